import { randomBytes } from 'node:crypto'
import { API_PATHS } from '../../src/core/index.ts'
import type { HolderCheck, SharedNote } from '../../src/core/index.ts'
import type { ShareQuota, Store } from '../storage/Store.ts'
import type { LicenseService } from './LicenseService.ts'
import { Refusal } from './Refusal.ts'
import { standingOf } from './standing.ts'

/** The feature a device's license must entitle to create a share. */
export const SHARE_FEATURE = 'share.link'

/** How long a shared link stays readable. */
export const SHARE_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000

/**
 * What one license may share at once. Someone sharing notes shares a handful; 100 live links and
 * 2 million characters (40 notes of the longest kind) stay far above that, and bound what one
 * license key can make the server store.
 */
export const SHARE_QUOTA: ShareQuota = { shares: 100, characters: 2_000_000 }

/** The format of share ids: `shr_` and 128 random bits, so a link cannot be guessed. */
export const SHARE_ID = /^shr_[A-Za-z0-9_-]{22}$/

/**
 * Read-only links to notes. Creating one is an `online` feature the server provides itself, so the
 * server decides: a grant and proof of a license in good standing whose plan includes `share.link`.
 * Reading one needs nothing but the link, and stops when the license is no longer in good standing.
 */
export class ShareService {
  readonly #store: Store
  readonly #licenses: LicenseService

  constructor(store: Store, licenses: LicenseService) {
    this.#store = store
    this.#licenses = licenses
  }

  async create(check: HolderCheck, note: { title: string; body: string }): Promise<SharedNote> {
    const { license, device, now } = await this.#licenses.authorizeFeature(check, SHARE_FEATURE, {
      htm: 'POST',
      htu: API_PATHS.shares,
    })
    const row = {
      id: `shr_${randomBytes(16).toString('base64url')}`,
      license_id: license.id,
      device_id: device.device_id,
      title: note.title,
      body: note.body,
      created_at: now,
      expires_at: now + SHARE_LIFETIME_MS,
    }
    const outcome = await this.#store.insertShareWithinQuota(row, SHARE_QUOTA)
    if (!outcome.ok) {
      const what =
        outcome.reason === 'too_many'
          ? `${SHARE_QUOTA.shares} shared notes`
          : `${SHARE_QUOTA.characters.toLocaleString('en')} characters of shared notes`
      throw new Refusal(
        'conflict',
        `this license already shares ${what}, the most it may; stop sharing one to share this`,
        { reason: 'share_quota' },
      )
    }
    return toSharedNote(row)
  }

  async read(id: string, now: number): Promise<SharedNote> {
    const row = SHARE_ID.test(id) ? await this.#store.findShare(id) : undefined
    if (!row) throw new Refusal('not_found', 'there is no shared note at this link')
    const gone = () => new Refusal('gone', 'this shared note is no longer available')
    if (Number(row.expires_at) <= now) throw gone()
    const license = await this.#store.findLicense(row.license_id)
    if (!license || standingOf(license, now) !== 'good') throw gone()
    return toSharedNote(row)
  }

  /** Stops sharing: any device of the license that shared it may, with its grant and proof. */
  async remove(id: string, check: HolderCheck): Promise<void> {
    const { license } = await this.#licenses.verifyHolder(check, {
      htm: 'DELETE',
      htu: `${API_PATHS.shares}/${id}`,
    })
    const removed = SHARE_ID.test(id) && (await this.#store.deleteShare(id, license.id))
    if (!removed) throw new Refusal('not_found', 'this license has no shared note at this link')
  }
}

function toSharedNote(row: {
  id: string
  title: string
  body: string
  created_at: number
  expires_at: number
}): SharedNote {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  }
}
