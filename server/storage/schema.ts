import type { Generated } from 'kysely'

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

export interface MigrationMarker {
  id: Generated<number>
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
}
