/**
 * The outcomes a user can be in; `suspended` is a license the vendor paused; `deactivated` is this
 * device's seat freed (by its user, or removed by the vendor) while the license itself is fine.
 */
export type LicenseStatus =
  | 'unlicensed'
  | 'active'
  | 'grace'
  | 'limited'
  | 'expired'
  | 'suspended'
  | 'revoked'
  | 'deactivated'

/** What the last attempt to reach the license server found. */
export type Connectivity = 'online' | 'offline' | 'server-error' | 'interference'

/** Why a feature is on or off; `ok` and `kept_critical` are the codes of a feature that works. */
export type FeatureReason =
  | 'ok'
  | 'kept_critical'
  | 'not_in_plan'
  | 'needs_connection'
  | 'recheck_overdue'
  | 'clock_suspect'
  | 'license_expired'
  | 'license_suspended'
  | 'license_revoked'
  | 'device_deactivated'
  | 'no_license'

export type RemediationCode =
  | 'activate'
  | 'reactivate'
  | 'connect'
  | 'fix_clock'
  | 'renew'
  | 'export_now'
  | 'contact_vendor'
  | 'retry_later'
  | 'allow_storage'

export interface Remediation {
  code: RemediationCode
  text: string
}

/** The answer of `GET /_license/state`; times are epoch milliseconds or null. */
export interface LicenseState {
  status: LicenseStatus
  features: Record<string, boolean>
  reasons: Record<string, FeatureReason>
  connectivity: Connectivity
  verifiedAt: number | null
  nextCheckAt: number | null
  graceEndsAt: number | null
  termEndsAt: number | null
  criticalUntil: number | null
  clockSuspect: boolean
  license: { id: string; product: string; plan: string; deviceId: string } | null
  remediation: Remediation[]
  /** Why a stored grant could not be used (a core error code), when there was one. */
  problem: string | null
  /**
   * Why a revocation was issued: `revoked` (status `revoked`), `deactivated` or `device_removed`
   * (status `deactivated`); null otherwise.
   */
  revocationReason: string | null
  /** The vendor's support page (`https:` or `mailto:`) from the signed policy, or null. */
  supportUrl: string | null
}
