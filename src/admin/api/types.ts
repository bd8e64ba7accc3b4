// The shapes of the admin API (DESIGN.md, issue 7) as the dashboard reads them. Times are epoch ms.

export type LicenseStatus = 'active' | 'suspended' | 'revoked'
export type DeviceState = 'active' | 'released' | 'removed'
export type StatusAction = 'revoke' | 'suspend' | 'reinstate'

/** A license as the admin API shows it; its key is only ever in the answer that created it. */
export interface LicenseView {
  id: string
  product: string
  plan: string
  seats: number
  status: LicenseStatus
  statusReason: string | null
  termEnd: number | null
  /** An ISO 8601 duration, `never` for air-gapped licenses, or null to follow the manifest. */
  recheckEvery: string | null
  grace: string | null
  note: string | null
  createdAt: number
  updatedAt: number
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

export interface LicenseDetail extends LicenseView {
  seatsUsed: number
  devices: DeviceView[]
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface NewLicenseInput {
  product: string
  plan: string
  seats: number
  termEnd?: number | null
  note?: string | null
}

export interface ManifestVersionView {
  version: number
  manifest: unknown
  author: string
  note: string
  createdAt: number
}

export type ManifestHistoryItem = Omit<ManifestVersionView, 'manifest'>

/** For one feature: how many devices that have it now would lose it, now and if offline for 1, 7, 30 days. */
export interface FeatureImpact {
  product: string
  feature: string
  now: number
  in1d: number
  in7d: number
  in30d: number
}

export interface ImpactReport {
  currentVersion: number
  devicesConsidered: number
  features: FeatureImpact[]
  /** Devices in good standing that would lose a feature they have now. */
  lockouts: number
}

/** A dry run's answer; `impact` is absent on servers that only validate. */
export interface DryRunResult {
  dryRun: true
  valid: boolean
  manifest: unknown
  impact?: ImpactReport
}

export interface TelemetryCounters {
  startsOffline: number
  startsOnline: number
  graceEntered: number
  graceEnded: number
  rechecksOk: number
  rechecksFailed: number
  revocationsSeen: number
}

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

export interface TelemetryReport {
  from: string
  to: string
  /** Series with fewer contributing devices are withheld. */
  minDevices: number
  suppressed: number
  series: TelemetryPoint[]
}
