/**
 * The outcomes a user can be in; `suspended` is a license the vendor paused; `deactivated` is this
 * device's seat freed (by its user, or removed by the vendor) while the license itself is fine;
 * `unleased` is a floating license this device holds no slot of now (#15).
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
  | 'unleased'

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
  | 'no_lease'
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
  | 'take_lease'

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
  /** A floating license's slot as this device holds it (#15); null for a node-locked license. */
  floating: FloatingState | null
}

/** What a device of a floating license holds, and what it may ask for; times are epoch ms. */
export interface FloatingState {
  /** A lease (kept while the app is open), a borrow (held for offline use), or no slot. */
  held: 'lease' | 'borrow' | null
  /** When the slot held ends; null when none is held. */
  endsAt: number | null
  /** How many devices may hold a slot at once. */
  maxConcurrent: number
  /** How long one lease lasts, in ms; the worker renews it at half that while the app is open. */
  leaseLength: number
  /** The latest end a borrow asked now may have; null when the license allows no borrowing. */
  borrowUntilMax: number | null
  /**
   * The server's last word that every slot was taken, while this device holds none: the latest a
   * slot frees, and how many devices are in line before this one (0: it is next).
   */
  allInUse: { nextFreeAt: number; waitingAhead: number } | null
  /** A borrow was given back on this device and the server will be told at the next connection. */
  returnPending: boolean
}
