import type { ServedLicenseState } from 'leeway/core'

/**
 * Whether activating is the one step this device has, so the key field comes first: nothing was
 * ever activated, or this device's seat was freed. Not when the browser cannot keep a license
 * (activating would fail the same way), nor for an ended or revoked license (renewing or the
 * vendor comes first).
 */
export function activationFirst(state: ServedLicenseState | null): boolean {
  if (state === null) return false
  if (state.status === 'deactivated') return true
  return state.status === 'unlicensed' && state.problem !== 'store_unavailable'
}
