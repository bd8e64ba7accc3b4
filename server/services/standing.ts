import type { LicenseStanding } from '../../src/core/index.ts'
import type { LicenseRow } from '../storage/Store.ts'
import { Refusal } from './Refusal.ts'

/**
 * Whether a license may be used right now: activated, checked, used for a server-side feature, or
 * shown as usable to the vendor. `good` only while it is active and its term has not ended. The one
 * definition in code; the store's `listDevicesInGoodStanding` says the same in SQL, and a test
 * holds the two together.
 */
export function standingOf(
  license: Pick<LicenseRow, 'status' | 'term_end'>,
  now: number,
): LicenseStanding {
  if (license.status === 'revoked') return 'revoked'
  if (license.status === 'suspended') return 'suspended'
  // PostgreSQL's bigint may come back as a string: compared as a number, never as text.
  if (license.term_end !== null && Number(license.term_end) <= now) return 'expired'
  return 'good'
}

/** The refusal for a license that is not in good standing. */
export function standingRefusal(standing: Exclude<LicenseStanding, 'good'>): Refusal {
  switch (standing) {
    case 'revoked':
      return new Refusal('license_revoked', 'this license has been revoked')
    case 'suspended':
      return new Refusal('license_suspended', 'this license is suspended')
    case 'expired':
      return new Refusal('license_expired', 'this license has expired; renew it to use it again')
  }
}
