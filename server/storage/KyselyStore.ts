import { sql } from 'kysely'
import type { Expression, Kysely, SqlBool, Transaction } from 'kysely'
import type { Database } from './schema.ts'
import {
  appendManifest,
  currentManifest,
  findManifest,
  listManifests,
} from './queries/manifests.ts'
import { LeaseWrites } from './queries/leases.ts'
import { SeatWrites } from './queries/seats.ts'
import { getSetting, initSetting, resealSetting, resealSigningKey } from './queries/settings.ts'
import { sweepRateLimits, takeRateToken } from './queries/rateLimits.ts'
import {
  deleteExpiredShares,
  deleteShare,
  findShare,
  insertShareWithinQuota,
} from './queries/shares.ts'
import { addTelemetryOnce, telemetryBetween } from './queries/telemetry.ts'
import { withAdvisoryLock } from './withAdvisoryLock.ts'
import type {
  ActivationOutcome,
  AuditRow,
  LicenseSearch,
  CheckInOutcome,
  DeviceRegistration,
  DeviceRow,
  LeaseOutcome,
  LeaseRequest,
  LeaseRow,
  LeaseView,
  LicenseRow,
  NewLicenseRow,
  ManifestRow,
  ManifestSummaryRow,
  ShareOutcome,
  ShareQuota,
  ShareRow,
  SigningKeyRow,
  StandingDeviceRow,
  Store,
  TelemetryDailyRow,
  UsedProof,
} from './Store.ts'

export type Backend = 'sqlite' | 'postgres'

/**
 * The `Store` over Kysely; SQL is shared by both backends, with row locks where PostgreSQL needs
 * them. Licenses, devices and keys are read here; the writes of seats and proofs, and the tables of
 * each other concern (manifests, telemetry, shares, rate limits, settings), are in `queries/`.
 */
export class KyselyStore implements Store {
  readonly #db: Kysely<Database>
  readonly #backend: Backend
  readonly #seats: SeatWrites
  readonly #leases: LeaseWrites

  constructor(db: Kysely<Database>, backend: Backend) {
    this.#db = db
    this.#backend = backend
    this.#seats = new SeatWrites(db, backend)
    this.#leases = new LeaseWrites(db, backend)
  }

  get db(): Kysely<Database> {
    return this.#db
  }

  get backend(): Backend {
    return this.#backend
  }

  /**
   * Runs one-time setup (first keys, secrets, the demo license) so that instances starting together
   * on one PostgreSQL do it once, one after the other. SQLite has one instance: it just runs.
   */
  async withInitLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.#backend === 'postgres' ? withAdvisoryLock(this.#db, 'init', fn) : fn()
  }

  async insertLicense(row: NewLicenseRow, audit?: AuditRow): Promise<void> {
    await this.#audited(audit, (db) => db.insertInto('licenses').values(row).execute())
  }

  async findLicense(id: string): Promise<LicenseRow | undefined> {
    return this.#db.selectFrom('licenses').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async findLicenseByKeyHash(keyHash: string): Promise<LicenseRow | undefined> {
    return this.#db
      .selectFrom('licenses')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .executeTakeFirst()
  }

  async listLicenses(options: {
    before?: string | undefined
    limit: number
    search?: LicenseSearch | undefined
  }): Promise<LicenseRow[]> {
    // Newest first by the primary key, which both backends read backwards: no index of its own.
    let query = this.#db
      .selectFrom('licenses')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(options.limit)
    if (options.before !== undefined) query = query.where('id', '<', options.before)
    const search = options.search
    for (const word of search?.words ?? []) {
      // Words are lower case; LIKE's own characters in them are matched as themselves.
      const pattern = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      const like = (column: 'id' | 'product' | 'plan' | 'note') =>
        sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape ${sql.lit('\\')}`
      query = query.where((eb) => {
        const matches: Expression<SqlBool>[] = [
          like('id'),
          like('product'),
          like('plan'),
          like('note'),
        ]
        const now = search?.now ?? 0
        if (word === 'revoked' || word === 'suspended') matches.push(eb('status', '=', word))
        if (word === 'expired')
          matches.push(
            eb.and([
              eb('status', '=', 'active'),
              eb('term_end', 'is not', null),
              eb('term_end', '<=', now),
            ]),
          )
        if (word === 'active')
          matches.push(
            eb.and([
              eb('status', '=', 'active'),
              eb.or([eb('term_end', 'is', null), eb('term_end', '>', now)]),
            ]),
          )
        return eb.or(matches)
      })
    }
    return query.execute()
  }

  async updateLicense(
    id: string,
    patch: Partial<Omit<LicenseRow, 'id' | 'key_hash' | 'created_at'>>,
    audit?: AuditRow,
  ): Promise<LicenseRow | undefined> {
    const update = (db: Kysely<Database>) =>
      db.updateTable('licenses').set(patch).where('id', '=', id).returningAll().executeTakeFirst()
    if (!audit) return update(this.#db)
    return this.#db.transaction().execute(async (trx) => {
      const updated = await update(trx)
      if (updated) await trx.insertInto('admin_audit').values(audit).execute()
      return updated
    })
  }

  async hasLicensesFor(product: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('licenses')
      .select('id')
      .where('product', '=', product)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  async listDevices(licenseId: string): Promise<DeviceRow[]> {
    return this.#db
      .selectFrom('devices')
      .selectAll()
      .where('license_id', '=', licenseId)
      .orderBy('activated_at')
      .execute()
  }

  async findDevice(licenseId: string, deviceId: string): Promise<DeviceRow | undefined> {
    return this.#db
      .selectFrom('devices')
      .selectAll()
      .where('license_id', '=', licenseId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst()
  }

  activateDevice(
    licenseId: string,
    registration: DeviceRegistration,
    now: number,
    releaseIdleBefore: number | null,
    lease?: LeaseRequest,
  ): Promise<ActivationOutcome> {
    return this.#seats.activateDevice(licenseId, registration, now, releaseIdleBefore, lease)
  }

  takeLease(licenseId: string, deviceId: string, request: LeaseRequest): Promise<LeaseOutcome> {
    return this.#leases.takeLease(licenseId, deviceId, request)
  }

  endLease(
    licenseId: string,
    deviceId: string,
    now: number,
    audit?: AuditRow,
  ): Promise<DeviceRow | undefined> {
    return this.#leases.endLease(licenseId, deviceId, now, audit)
  }

  findLease(licenseId: string, deviceId: string): Promise<LeaseRow | undefined> {
    return this.#leases.findLease(licenseId, deviceId)
  }

  listLiveLeases(licenseId: string, now: number): Promise<LeaseView[]> {
    return this.#leases.listLiveLeases(licenseId, now)
  }

  checkInDevice(
    licenseId: string,
    deviceId: string,
    now: number,
    proof: UsedProof,
  ): Promise<CheckInOutcome> {
    return this.#seats.checkInDevice(licenseId, deviceId, now, proof)
  }

  releaseDevice(
    licenseId: string,
    deviceId: string,
    state: 'released' | 'removed',
    now: number,
    audit?: AuditRow,
  ): Promise<DeviceRow | undefined> {
    return this.#seats.releaseDevice(licenseId, deviceId, state, now, audit)
  }

  rememberProof(proofHash: string, expiresAt: number, now: number): Promise<boolean> {
    return this.#seats.rememberProof(proofHash, expiresAt, now)
  }

  async listSigningKeys(): Promise<SigningKeyRow[]> {
    return this.#db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute()
  }

  async insertSigningKey(row: SigningKeyRow, audit?: AuditRow): Promise<void> {
    await this.#audited(audit, (db) => db.insertInto('signing_keys').values(row).execute())
  }

  currentManifest(): Promise<ManifestRow | undefined> {
    return currentManifest(this.#db)
  }

  appendManifest(row: Omit<ManifestRow, 'version'>, audit?: AuditRow): Promise<ManifestRow> {
    return appendManifest(this.#db, this.#backend, row, audit)
  }

  async listAudit(options: { before?: string | undefined; limit: number }): Promise<AuditRow[]> {
    let query = this.#db
      .selectFrom('admin_audit')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(options.limit)
    if (options.before !== undefined) query = query.where('id', '<', options.before)
    return query.execute()
  }

  listManifests(options: {
    before?: number | undefined
    limit: number
  }): Promise<ManifestSummaryRow[]> {
    return listManifests(this.#db, options)
  }

  findManifest(version: number): Promise<ManifestRow | undefined> {
    return findManifest(this.#db, version)
  }

  async listDevicesInGoodStanding(options: {
    now: number
    after?: { licenseId: string; deviceId: string } | undefined
    limit: number
  }): Promise<StandingDeviceRow[]> {
    let query = this.#db
      .selectFrom('devices')
      .innerJoin('licenses', 'licenses.id', 'devices.license_id')
      .select([
        'devices.license_id',
        'devices.device_id',
        'devices.last_seen_at',
        'licenses.product',
        'licenses.plan',
        'licenses.term_end',
        'licenses.recheck_every',
        'licenses.grace',
      ])
      .where('devices.state', '=', 'active')
      .where('licenses.status', '=', 'active')
      .where((eb) =>
        eb.or([eb('licenses.term_end', 'is', null), eb('licenses.term_end', '>', options.now)]),
      )
      .orderBy('devices.license_id')
      .orderBy('devices.device_id')
      .limit(options.limit)
    const after = options.after
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('devices.license_id', '>', after.licenseId),
          eb.and([
            eb('devices.license_id', '=', after.licenseId),
            eb('devices.device_id', '>', after.deviceId),
          ]),
        ]),
      )
    }
    return query.execute()
  }

  addTelemetryOnce(row: Omit<TelemetryDailyRow, 'devices'>, marker: string): Promise<boolean> {
    return addTelemetryOnce(this.#db, row, marker)
  }

  telemetryBetween(fromDay: string, toDay: string): Promise<TelemetryDailyRow[]> {
    return telemetryBetween(this.#db, fromDay, toDay)
  }

  insertShareWithinQuota(row: ShareRow, quota: ShareQuota): Promise<ShareOutcome> {
    return insertShareWithinQuota(this.#db, this.#backend, row, quota)
  }

  deleteExpiredShares(now: number, limit: number): Promise<number> {
    return deleteExpiredShares(this.#db, now, limit)
  }

  findShare(id: string): Promise<ShareRow | undefined> {
    return findShare(this.#db, id)
  }

  deleteShare(id: string, licenseId: string): Promise<boolean> {
    return deleteShare(this.#db, id, licenseId)
  }

  takeRateToken(
    scope: string,
    key: string,
    limit: { capacity: number; perMs: number },
    now: number,
  ): Promise<{ ok: boolean; tokens: number }> {
    return takeRateToken(this.#db, this.#backend, scope, key, limit, now)
  }

  sweepRateLimits(scope: string, before: number): Promise<void> {
    return sweepRateLimits(this.#db, scope, before)
  }

  resealSigningKey(kid: string, from: string, to: string): Promise<void> {
    return resealSigningKey(this.#db, kid, from, to)
  }

  resealSetting(key: string, from: string, to: string): Promise<void> {
    return resealSetting(this.#db, key, from, to)
  }

  getSetting(key: string): Promise<string | undefined> {
    return getSetting(this.#db, key)
  }

  initSetting(key: string, value: string): Promise<string> {
    return initSetting(this.#db, key, value)
  }

  async counts(): Promise<Record<'licenses' | 'devices' | 'signing_keys' | 'manifests', number>> {
    const count = async (table: 'licenses' | 'devices' | 'signing_keys' | 'manifests') => {
      const row = await this.#db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    }
    return {
      licenses: await count('licenses'),
      devices: await count('devices'),
      signing_keys: await count('signing_keys'),
      manifests: await count('manifests'),
    }
  }

  /** Runs `write`, in one transaction with the insert of `audit` when there is one. */
  async #audited<T>(
    audit: AuditRow | undefined,
    write: (db: Kysely<Database> | Transaction<Database>) => Promise<T>,
  ): Promise<T> {
    if (!audit) return write(this.#db)
    return this.#db.transaction().execute(async (trx) => {
      const result = await write(trx)
      await trx.insertInto('admin_audit').values(audit).execute()
      return result
    })
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }
}
