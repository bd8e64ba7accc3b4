// Times are epoch milliseconds in integer columns (bigint on PostgreSQL).

export interface LicenseTable {
  id: string
  key_hash: string
  product: string
  plan: string
  seats: number
  status: 'active' | 'suspended' | 'revoked'
  status_reason: string | null
  status_changed_at: number | null
  term_end: number | null
  /** null: inherit the product's; 'never': air-gapped; else an ISO 8601 duration. */
  recheck_every: string | null
  grace: string | null
  note: string | null
  created_at: number
  updated_at: number
  /** Floating licenses only (else null): live leases at once, one lease's length, longest borrow. */
  max_concurrent: number | null
  lease_length: string | null
  max_borrow: string | null
}

export interface DeviceTable {
  license_id: string
  device_id: string
  name: string
  platform: string
  public_jwk: string
  jkt: string
  state: 'active' | 'released' | 'removed'
  seq: number
  activated_at: number
  last_seen_at: number
  released_at: number | null
}

export interface SigningKeyTable {
  kid: string
  private_jwk: string
  cert: string
  not_after: number
  created_at: number
}

export interface ManifestTable {
  version: number
  body: string
  author: string
  note: string
  created_at: number
}

export interface UsedProofTable {
  proof_hash: string
  expires_at: number
}

export interface SettingTable {
  key: string
  value: string
}

/** A read-only copy of a note, shared by a device whose license entitles `share.link`. */
export interface ShareTable {
  id: string
  license_id: string
  device_id: string
  title: string
  body: string
  created_at: number
  expires_at: number
}

/** A token bucket of a rate limit shared by every instance; `ok` is 1 when the last take got a token. */
export interface RateLimitTable {
  scope: string
  key: string
  tokens: number
  updated_at: number
  ok: number
}

/**
 * Opt-in telemetry added up per UTC day (`YYYY-MM-DD`), product and policy version. `devices` is
 * the number of reports added in (each device sends at most one a day); `reconnect_N` is bucket N of
 * RECONNECT_BUCKETS_MS, the last one past every bound. Nothing here names a device or a license.
 */
export interface TelemetryDailyTable {
  day: string
  product: string
  policy_version: number
  devices: number
  starts_offline: number
  starts_online: number
  grace_entered: number
  grace_ended: number
  rechecks_ok: number
  rechecks_failed: number
  revocations_seen: number
  reconnect_0: number
  reconnect_1: number
  reconnect_2: number
  reconnect_3: number
  reconnect_4: number
  reconnect_5: number
  reconnect_6: number
  reconnect_7: number
  reconnect_8: number
}

/**
 * Which devices have reported today, for counting each once: only a keyed hash of the UTC day,
 * license, device and product, which names nobody without the server's secret, kept apart from the
 * aggregate and deleted once its day is past.
 */
export interface TelemetryMarkerTable {
  day: string
  marker: string
}

/** A device's hold on a slot of a floating license; it counts while `ends_at` is in the future. */
export interface LeaseTable {
  license_id: string
  device_id: string
  kind: 'lease' | 'borrow'
  started_at: number
  ends_at: number
}

/** A device waiting in line for a slot of a floating license; it counts while `seen_at` is recent. */
export interface LeaseWaitTable {
  license_id: string
  device_id: string
  /** When it joined the line: the order of service. */
  since: number
  /** When it last asked; a wait not renewed within LEASE_WAIT_TTL_MS has left the line. */
  seen_at: number
}

/**
 * One admin action (create, status change, renewal, device removal, ending a floating license's
 * lease, manifest publish or rollback, key rotation), written in the transaction of the action itself: an action without its entry
 * never commits. `id` sorts by time (like license ids); `details` is JSON of what changed.
 */
export interface AdminAuditTable {
  id: string
  at: number
  /** Who, as far as the server can tell: a name the caller gave, or the channel's default. */
  actor: string
  /** `api` (the admin API, with the admin token) or `cli` (the data folder or database itself). */
  via: string
  /** The API caller's address (behind LEEWAY_TRUST_PROXY, the forwarded one); null for the CLI. */
  address: string | null
  action: string
  /** A license id, `license/device`, a manifest version or a key id. */
  target: string
  details: string
}

export interface Database {
  licenses: LicenseTable
  devices: DeviceTable
  signing_keys: SigningKeyTable
  manifests: ManifestTable
  used_proofs: UsedProofTable
  settings: SettingTable
  rate_limits: RateLimitTable
  shares: ShareTable
  telemetry_daily: TelemetryDailyTable
  telemetry_markers: TelemetryMarkerTable
  leases: LeaseTable
  lease_waits: LeaseWaitTable
  admin_audit: AdminAuditTable
}
