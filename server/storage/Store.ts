import type { Selectable } from 'kysely'
import type {
  AdminAuditTable,
  DeviceTable,
  LeaseTable,
  LicenseTable,
  ManifestTable,
  ShareTable,
  SigningKeyTable,
  TelemetryDailyTable,
} from './schema.ts'

export type LicenseRow = Selectable<LicenseTable>
/** A license as inserted: node-locked unless its floating settings are given. */
export type NewLicenseRow = Omit<LicenseRow, FloatingColumn> &
  Partial<Pick<LicenseRow, FloatingColumn>>
type FloatingColumn = 'max_concurrent' | 'lease_length' | 'max_borrow'
export type LeaseRow = Selectable<LeaseTable>
export type DeviceRow = Selectable<DeviceTable>
export type SigningKeyRow = Selectable<SigningKeyTable>
export type ManifestRow = Selectable<ManifestTable>
export type ShareRow = Selectable<ShareTable>
export type TelemetryDailyRow = Selectable<TelemetryDailyTable>
export type AuditRow = Selectable<AdminAuditTable>

/**
 * What a license search matches: every word (lower case) must be in the id, product, plan or note,
 * or name the license's standing at `now` (`active`, `expired`, `revoked`, `suspended`).
 */
export interface LicenseSearch {
  words: readonly string[]
  now: number
}
/** A manifest version without its body, as the history lists it. */
export type ManifestSummaryRow = Omit<ManifestRow, 'body'>

/** A device in good standing with what of its license the policy depends on. */
export interface StandingDeviceRow {
  license_id: string
  device_id: string
  last_seen_at: number
  product: string
  plan: string
  term_end: number | null
  recheck_every: string | null
  grace: string | null
}

export interface DeviceRegistration {
  deviceId: string
  name: string
  platform: string
  publicJwk: string
  jkt: string
}

/** A verified proof, remembered until it expires so that it is refused if replayed. */
export interface UsedProof {
  hash: string
  expiresAt: number
}

export type CheckInOutcome =
  { ok: true; device: DeviceRow } | { ok: false; reason: 'proof_replayed' | 'device_unknown' }

/** The most one license may share at once: live links, and the characters of their titles and bodies. */
export interface ShareQuota {
  shares: number
  characters: number
}

export type ShareOutcome = { ok: true } | { ok: false; reason: 'too_many' | 'too_large' }

/** A lease to take or extend: until `endsAt`, decided at `now`. */
export interface LeaseRequest {
  kind: LeaseRow['kind']
  now: number
  endsAt: number
}

/**
 * Every slot of a floating license is held (or promised to devices in line before this one); the
 * earliest live lease ends at `nextFreeAt`; `waitingAhead` devices are in line before this one.
 */
export interface LeasesInUse {
  ok: false
  reason: 'all_leases_in_use'
  maxConcurrent: number
  nextFreeAt: number
  waitingAhead: number
}

export type LeaseOutcome =
  | { ok: true; device: DeviceRow; lease: LeaseRow }
  | LeasesInUse
  | { ok: false; reason: 'not_found' | 'not_floating' | 'device_unknown' }

/** A live lease with the device that holds it, for the admin. */
export interface LeaseView {
  device_id: string
  kind: LeaseRow['kind']
  started_at: number
  ends_at: number
  name: string
  platform: string
}

export type ActivationOutcome =
  | { ok: true; device: DeviceRow; license: LicenseRow; lease?: LeaseRow | undefined }
  | { ok: false; reason: 'seat_limit_reached' | 'not_found' | 'device_key_conflict' }
  | LeasesInUse

/**
 * Everything the server keeps. Each method that answers has committed durably; seat checks run
 * inside one transaction with the license locked, so limits hold under concurrent activations.
 */
export interface Store {
  // Admin writes take the audit entry of the action and commit it in the same transaction.
  insertLicense(row: NewLicenseRow, audit?: AuditRow): Promise<void>
  findLicense(id: string): Promise<LicenseRow | undefined>
  findLicenseByKeyHash(keyHash: string): Promise<LicenseRow | undefined>
  /**
   * Licenses newest first (ids sort by creation time), before the cursor `before` (exclusive),
   * only those matching `search` when given.
   */
  listLicenses(options: {
    before?: string | undefined
    limit: number
    search?: LicenseSearch | undefined
  }): Promise<LicenseRow[]>
  /** Updates a license; the audit entry is written only if there was one to update. */
  updateLicense(
    id: string,
    patch: Partial<Omit<LicenseRow, 'id' | 'key_hash' | 'created_at'>>,
    audit?: AuditRow,
  ): Promise<LicenseRow | undefined>

  /** Whether any license of `product` exists. */
  hasLicensesFor(product: string): Promise<boolean>

  listDevices(licenseId: string): Promise<DeviceRow[]>
  findDevice(licenseId: string, deviceId: string): Promise<DeviceRow | undefined>
  /**
   * Takes a seat for a device, or renews the binding of a device that holds one. Devices not seen
   * since `releaseIdleBefore` give their seats back first. Bumps the device's `seq`. A device id
   * that holds a seat keeps its key: another key for it is `device_key_conflict`, nothing bound.
   * With `lease` (floating licenses), a slot is taken in the same transaction, or nothing is bound.
   */
  activateDevice(
    licenseId: string,
    registration: DeviceRegistration,
    now: number,
    releaseIdleBefore: number | null,
    lease?: LeaseRequest,
  ): Promise<ActivationOutcome>
  /**
   * Records a verified check-in in one commit: remembers its proof (a replay changes nothing
   * else), then bumps the device's `seq` and `last_seen_at` and returns the updated device.
   */
  checkInDevice(
    licenseId: string,
    deviceId: string,
    now: number,
    proof: UsedProof,
  ): Promise<CheckInOutcome>
  /** Releases (user) or removes (admin, with its audit entry) a device's seat; bumps `seq`. */
  releaseDevice(
    licenseId: string,
    deviceId: string,
    state: 'released' | 'removed',
    now: number,
    audit?: AuditRow,
  ): Promise<DeviceRow | undefined>

  /**
   * Takes or renews a lease of a floating license for an active device, in one transaction with
   * the license locked: exact under concurrent calls on every backend and instance. Bumps `seq`.
   */
  takeLease(licenseId: string, deviceId: string, request: LeaseRequest): Promise<LeaseOutcome>
  /**
   * Ends the device's live lease or borrow at `now` and bumps its `seq`; undefined: no such device.
   * An admin's end takes its audit entry, written only if there was a device.
   */
  endLease(
    licenseId: string,
    deviceId: string,
    now: number,
    audit?: AuditRow,
  ): Promise<DeviceRow | undefined>
  findLease(licenseId: string, deviceId: string): Promise<LeaseRow | undefined>
  /** The live leases at `now` of a license's active devices (the ones that count), soonest end first. */
  listLiveLeases(licenseId: string, now: number): Promise<LeaseView[]>

  /** Remembers a proof until it expires; false if it was seen before (a replay). */
  rememberProof(proofHash: string, expiresAt: number, now: number): Promise<boolean>

  listSigningKeys(): Promise<SigningKeyRow[]>
  insertSigningKey(row: SigningKeyRow, audit?: AuditRow): Promise<void>

  currentManifest(): Promise<ManifestRow | undefined>
  /**
   * Stores a new manifest version (the next number) and returns it; `audit` is completed with
   * that number as its target.
   */
  appendManifest(row: Omit<ManifestRow, 'version'>, audit?: AuditRow): Promise<ManifestRow>

  /** Audit entries newest first, before the cursor `before` (exclusive). */
  listAudit(options: { before?: string | undefined; limit: number }): Promise<AuditRow[]>

  /** Manifest versions before `before` (exclusive), newest first, without their bodies. */
  listManifests(options: {
    before?: number | undefined
    limit: number
  }): Promise<ManifestSummaryRow[]>
  findManifest(version: number): Promise<ManifestRow | undefined>

  /**
   * Active devices of active licenses whose term has not ended at `now`, ordered by (license id,
   * device id), after the cursor `after` (exclusive): the devices a policy change can lock out.
   */
  listDevicesInGoodStanding(options: {
    now: number
    after?: { licenseId: string; deviceId: string } | undefined
    limit: number
  }): Promise<StandingDeviceRow[]>

  /**
   * Adds one device's report to its day's aggregate (`devices` grows by one) unless `marker` shows
   * that device already reported that day: false then, and nothing added. One transaction, which
   * also deletes the markers of days before the one before `row.day`.
   */
  addTelemetryOnce(row: Omit<TelemetryDailyRow, 'devices'>, marker: string): Promise<boolean>
  /** The aggregates of the days from `fromDay` to `toDay` (inclusive, `YYYY-MM-DD`). */
  telemetryBetween(fromDay: string, toDay: string): Promise<TelemetryDailyRow[]>

  /**
   * Inserts a share unless the license's live shares, with it, would pass `quota`; the license's
   * expired shares are deleted first. One transaction with the license locked, so concurrent
   * creates cannot pass the quota together.
   */
  insertShareWithinQuota(row: ShareRow, quota: ShareQuota): Promise<ShareOutcome>
  /** Deletes up to `limit` shares expired at `now`; answers how many went. */
  deleteExpiredShares(now: number, limit: number): Promise<number>
  findShare(id: string): Promise<ShareRow | undefined>
  /** Deletes a share of `licenseId`; false if there was none. */
  deleteShare(id: string, licenseId: string): Promise<boolean>

  /**
   * Takes one token from the bucket (`scope`, `key`) in one atomic statement, refilling it first
   * (`capacity` tokens, `perMs` per millisecond). Answers whether a token was taken and the tokens left.
   */
  takeRateToken(
    scope: string,
    key: string,
    limit: { capacity: number; perMs: number },
    now: number,
  ): Promise<{ ok: boolean; tokens: number }>
  /** Forgets buckets of `scope` not touched since `before` (they have refilled completely). */
  sweepRateLimits(scope: string, before: number): Promise<void>

  /** Replaces a signing key's stored private key if it is still `from` (re-sealing under a new KEK). */
  resealSigningKey(kid: string, from: string, to: string): Promise<void>
  /** Replaces a setting's value if it is still `from`. */
  resealSetting(key: string, from: string, to: string): Promise<void>

  getSetting(key: string): Promise<string | undefined>
  /** Sets a value only if the key has none; returns the value in force. */
  initSetting(key: string, value: string): Promise<string>

  /** Counts rows per table, for health checks and tests. */
  counts(): Promise<Record<'licenses' | 'devices' | 'signing_keys' | 'manifests', number>>
  close(): Promise<void>
}
