import type { GrantStatus } from './grant.ts'
import type { TelemetryCounters } from './telemetry.ts'

// The wire contract of the admin API (`/admin/v1`, bearer admin token): the server's answers
// `satisfies` these, the dashboard and the CLI read them. Times are epoch ms. Errors are the public
// API's (api.ts).

export type DeviceState = 'active' | 'released' | 'removed'
export type StatusAction = 'revoke' | 'suspend' | 'reinstate'
/**
 * Whether a license may be used now: `good` while it is active and its term has not ended. A
 * license past its term keeps `status: active` (renewing it is all it takes) but is `expired`.
 */
export type LicenseStanding = 'good' | 'revoked' | 'suspended' | 'expired'

/** `POST /admin/v1/licenses`. */
export interface NewLicenseInput {
  product: string
  plan: string
  seats: number
  termEnd?: number | null
  /** An ISO 8601 duration; null makes an air-gapped license that never checks in. */
  recheckEvery?: string | null
  grace?: string | null
  note?: string | null
  /**
   * Makes the license floating (#15): `seats` devices may register, `maxConcurrent` use it at once.
   * Absent: as its plan says in the manifest (`plans.*.floating`); null: node-locked whatever the plan.
   */
  floating?: FloatingSettings | null
}

/** A floating license's settings; durations are ISO 8601 (docs/floating.md). */
export interface FloatingSettings {
  maxConcurrent: number
  /** One lease's length, e.g. `PT15M`; a device renews before it ends while the app is open. */
  leaseLength: string
  /** The longest a device may borrow a slot for offline work, e.g. `P7D`; null: no borrowing. */
  maxBorrow?: string | null
}

/** A live lease of a floating license (`GET /admin/v1/licenses/:id/leases`). */
export interface LeaseHolderView {
  deviceId: string
  deviceName: string
  platform: string
  kind: 'lease' | 'borrow'
  startedAt: number
  endsAt: number
}

/** A license as the admin API shows it; its key is only ever in the answer that created it. */
export interface LicenseView {
  id: string
  product: string
  plan: string
  seats: number
  /** As the vendor set it: a license past its `termEnd` is still `active` here. */
  status: GrantStatus
  /** Whether it may be used now, as activation and checks decide it (at the answer's time). */
  standing: LicenseStanding
  statusReason: string | null
  termEnd: number | null
  /** An ISO 8601 duration, `never` for air-gapped licenses, or null to follow the manifest. */
  recheckEvery: string | null
  grace: string | null
  note: string | null
  createdAt: number
  updatedAt: number
  /** Null for a node-locked license. Optional for answers of servers before #15. */
  floating?: Required<FloatingSettings> | null
}

/** The answer that created a license: the only one that ever holds its key. */
export interface CreatedLicense extends LicenseView {
  key: string
}

export interface DeviceView {
  id: string
  name: string
  platform: string
  state: DeviceState
  activatedAt: number
  lastSeenAt: number
  releasedAt: number | null
}

/** `GET /admin/v1/licenses/:id`. */
export interface LicenseDetail extends LicenseView {
  seatsUsed: number
  devices: DeviceView[]
}

/** A page of a list; `nextCursor` asks for the next one, null at the end. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** What an audit entry records (`GET /admin/v1/audit`). */
export type AdminAction =
  | 'license.create'
  | 'license.revoke'
  | 'license.suspend'
  | 'license.reinstate'
  | 'license.renew'
  | 'device.remove'
  | 'lease.end'
  | 'manifest.publish'
  | 'manifest.rollback'
  | 'keys.rotate'

/**
 * One admin action, written in the same transaction as the action. `actor` is the name the caller
 * gave (`X-Leeway-Author`) or its channel's default (`admin-api`, the CLI's user): with one admin
 * token it names, it does not prove. `details` says what changed (never a license key).
 */
export interface AuditEntryView {
  id: string
  at: number
  actor: string
  via: 'api' | 'cli'
  address: string | null
  action: AdminAction
  /** A license id, `licenseId/deviceId`, a manifest version or a signing key id. */
  target: string
  details: Record<string, unknown>
}

/** A manifest version (`GET|PUT /admin/v1/manifest`, `POST /admin/v1/manifest/rollback`). */
export interface ManifestVersionView<M = unknown> {
  version: number
  manifest: M
  author: string
  note: string
  createdAt: number
}

/** A version as the history lists it: who published it, when and why, without its body. */
export type ManifestHistoryItem = Omit<ManifestVersionView, 'manifest'>

/** For one feature: how many devices that have it under the current policy would not under the new one. */
export interface FeatureImpact {
  product: string
  feature: string
  now: number
  in1d: number
  in7d: number
  in30d: number
}

/** What publishing a manifest would do to the devices in the database. */
export interface ImpactReport {
  currentVersion: number
  /** Active devices of licenses in good standing. */
  devicesConsidered: number
  features: FeatureImpact[]
  /** Devices that would lose at least one feature they have now (the release gate's count). */
  lockouts: number
  /**
   * Devices that would lose at least one feature they would have had at each horizon: now, and if
   * they stay offline 1, 7 or 30 more days. A change can spare everyone today and still shorten
   * the offline window of many.
   */
  devicesLosing: Record<'now' | 'in1d' | 'in7d' | 'in30d', number>
}

/** `PUT /admin/v1/manifest?dryRun=1`; `impact` is absent on servers that only validate. */
export interface DryRunResult<M = unknown> {
  dryRun: true
  valid: boolean
  manifest: M
  impact?: ImpactReport
}

/** `POST /admin/v1/keys/rotate`. */
export interface KeyRotated {
  kid: string
  certs: string[]
}

/** One day's aggregate for a product and policy version. */
export interface TelemetryPoint {
  /** YYYY-MM-DD (UTC). */
  day: string
  product: string
  policyVersion: number
  devices: number
  counters: TelemetryCounters
  /** Counts per bucket; `bucketsMs` are the upper bounds (a last count past them is the overflow). */
  reconnectToFresh: { bucketsMs: number[]; counts: number[] }
}

/** `GET /admin/v1/telemetry?from&to`. */
export interface TelemetrySeries {
  from: string
  to: string
  /** Series with fewer contributing devices are withheld. */
  minDevices: number
  suppressed: number
  series: TelemetryPoint[]
}
