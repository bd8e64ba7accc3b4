import { sql } from 'kysely'
import type { Kysely, RawBuilder, Transaction } from 'kysely'
import type { Database } from './schema.ts'
import { GroupCommit } from './GroupCommit.ts'
import { advisoryTransactionLock, withAdvisoryLock } from './withAdvisoryLock.ts'
import type {
  ActivationOutcome,
  CheckInOutcome,
  DeviceRegistration,
  DeviceRow,
  LicenseRow,
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

// Expired proofs are swept on every Nth insert rather than on a timer, so a quiet server does no work.
const PROOF_SWEEP_EVERY = 500

/** The `Store` over Kysely; SQL is shared by both backends, with row locks where PostgreSQL needs them. */
export class KyselyStore implements Store {
  readonly #db: Kysely<Database>
  readonly #backend: Backend
  readonly #groupCommit: GroupCommit<Database> | undefined
  #proofInserts = 0

  constructor(db: Kysely<Database>, backend: Backend) {
    this.#db = db
    this.#backend = backend
    // PostgreSQL commits concurrent transactions side by side on its own connections.
    this.#groupCommit = backend === 'sqlite' ? new GroupCommit(db) : undefined
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

  async insertLicense(row: LicenseRow): Promise<void> {
    await this.#db.insertInto('licenses').values(row).execute()
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
    after?: string | undefined
    limit: number
  }): Promise<LicenseRow[]> {
    let query = this.#db.selectFrom('licenses').selectAll().orderBy('id').limit(options.limit)
    if (options.after !== undefined) query = query.where('id', '>', options.after)
    return query.execute()
  }

  async updateLicense(
    id: string,
    patch: Partial<Omit<LicenseRow, 'id' | 'key_hash' | 'created_at'>>,
  ): Promise<LicenseRow | undefined> {
    return this.#db
      .updateTable('licenses')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
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

  async activateDevice(
    licenseId: string,
    registration: DeviceRegistration,
    now: number,
    releaseIdleBefore: number | null,
  ): Promise<ActivationOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const license = await this.#lockLicense(trx, licenseId)
      if (!license) return { ok: false, reason: 'not_found' }
      if (releaseIdleBefore !== null) {
        await trx
          .updateTable('devices')
          .set({ state: 'released', released_at: now })
          .where('license_id', '=', licenseId)
          .where('state', '=', 'active')
          .where('last_seen_at', '<', releaseIdleBefore)
          .execute()
      }
      const existing = await trx
        .selectFrom('devices')
        .selectAll()
        .where('license_id', '=', licenseId)
        .where('device_id', '=', registration.deviceId)
        .executeTakeFirst()
      // An active device id stays bound to its key: the id is shown in the panel and inside
      // request codes, so the license key and an id must not be enough to move a seat elsewhere.
      if (existing?.state === 'active' && existing.jkt !== registration.jkt)
        return { ok: false, reason: 'device_key_conflict' }
      if (existing?.state !== 'active') {
        const { taken } = await trx
          .selectFrom('devices')
          .select((eb) => eb.fn.countAll<number>().as('taken'))
          .where('license_id', '=', licenseId)
          .where('state', '=', 'active')
          .executeTakeFirstOrThrow()
        if (Number(taken) >= license.seats) return { ok: false, reason: 'seat_limit_reached' }
      }
      const binding = {
        name: registration.name,
        platform: registration.platform,
        public_jwk: registration.publicJwk,
        jkt: registration.jkt,
        state: 'active' as const,
        last_seen_at: now,
        released_at: null,
      }
      const device = existing
        ? await trx
            .updateTable('devices')
            .set({
              ...binding,
              seq: sql<number>`seq + 1`,
              activated_at: existing.state === 'active' ? existing.activated_at : now,
            })
            .where('license_id', '=', licenseId)
            .where('device_id', '=', registration.deviceId)
            .returningAll()
            .executeTakeFirstOrThrow()
        : await trx
            .insertInto('devices')
            .values({
              ...binding,
              license_id: licenseId,
              device_id: registration.deviceId,
              seq: 1,
              activated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow()
      return { ok: true, device, license }
    })
  }

  async checkInDevice(
    licenseId: string,
    deviceId: string,
    now: number,
    proof: UsedProof,
  ): Promise<CheckInOutcome> {
    return this.#write(async (trx) => {
      if (!(await this.#insertProof(trx, proof, now)))
        return { ok: false, reason: 'proof_replayed' }
      const device = await trx
        .updateTable('devices')
        .set({ seq: sql<number>`seq + 1`, last_seen_at: now })
        .where('license_id', '=', licenseId)
        .where('device_id', '=', deviceId)
        .returningAll()
        .executeTakeFirst()
      return device ? { ok: true, device } : { ok: false, reason: 'device_unknown' }
    })
  }

  async releaseDevice(
    licenseId: string,
    deviceId: string,
    state: 'released' | 'removed',
    now: number,
  ): Promise<DeviceRow | undefined> {
    return this.#db
      .updateTable('devices')
      .set({ state, released_at: now, seq: sql<number>`seq + 1` })
      .where('license_id', '=', licenseId)
      .where('device_id', '=', deviceId)
      .returningAll()
      .executeTakeFirst()
  }

  async rememberProof(proofHash: string, expiresAt: number, now: number): Promise<boolean> {
    return this.#write((trx) => this.#insertProof(trx, { hash: proofHash, expiresAt }, now))
  }

  async #insertProof(
    db: Kysely<Database> | Transaction<Database>,
    proof: UsedProof,
    now: number,
  ): Promise<boolean> {
    if (++this.#proofInserts % PROOF_SWEEP_EVERY === 0) {
      await db.deleteFrom('used_proofs').where('expires_at', '<', now).execute()
    }
    const inserted = await db
      .insertInto('used_proofs')
      .values({ proof_hash: proof.hash, expires_at: proof.expiresAt })
      .onConflict((oc) => oc.column('proof_hash').doNothing())
      .executeTakeFirst()
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1
  }

  /** A write of the check-in path: group-committed on SQLite, its own transaction on PostgreSQL. */
  async #write<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#groupCommit ? this.#groupCommit.run(work) : this.#db.transaction().execute(work)
  }

  async listSigningKeys(): Promise<SigningKeyRow[]> {
    return this.#db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute()
  }

  async insertSigningKey(row: SigningKeyRow): Promise<void> {
    await this.#db.insertInto('signing_keys').values(row).execute()
  }

  async currentManifest(): Promise<ManifestRow | undefined> {
    return this.#db
      .selectFrom('manifests')
      .selectAll()
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst()
  }

  async appendManifest(row: Omit<ManifestRow, 'version'>): Promise<ManifestRow> {
    return this.#db.transaction().execute(async (trx) => {
      // Two instances publishing at once would both pick the same next version number.
      if (this.#backend === 'postgres') await advisoryTransactionLock(trx, 'manifest')
      const latest = await trx
        .selectFrom('manifests')
        .select((eb) => eb.fn.max<number>('version').as('version'))
        .executeTakeFirst()
      const version = Number(latest?.version ?? 0) + 1
      return trx
        .insertInto('manifests')
        .values({ ...row, version })
        .returningAll()
        .executeTakeFirstOrThrow()
    })
  }

  async listManifests(options: {
    before?: number | undefined
    limit: number
  }): Promise<ManifestSummaryRow[]> {
    let query = this.#db
      .selectFrom('manifests')
      .select(['version', 'author', 'note', 'created_at'])
      .orderBy('version', 'desc')
      .limit(options.limit)
    if (options.before !== undefined) query = query.where('version', '<', options.before)
    return query.execute()
  }

  async findManifest(version: number): Promise<ManifestRow | undefined> {
    return this.#db
      .selectFrom('manifests')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst()
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

  async addTelemetryOnce(
    row: Omit<TelemetryDailyRow, 'devices'>,
    marker: string,
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      // Reports are dated by the server's clock; the day before is kept for instances whose
      // clocks straddle midnight.
      await trx.deleteFrom('telemetry_markers').where('day', '<', dayBefore(row.day)).execute()
      const marked = await trx
        .insertInto('telemetry_markers')
        .values({ day: row.day, marker })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst()
      if (Number(marked.numInsertedOrUpdatedRows ?? 0) === 0) return false
      await this.#addTelemetry(trx, row)
      return true
    })
  }

  async #addTelemetry(
    trx: Transaction<Database>,
    row: Omit<TelemetryDailyRow, 'devices'>,
  ): Promise<void> {
    const key = new Set(['day', 'product', 'policy_version'])
    const columns = Object.keys(row).filter((column) => !key.has(column))
    // Added to what the row holds in the same statement: reports that arrive together, on one
    // instance or several, are all counted.
    const set: Record<string, RawBuilder<number>> = { devices: sql`telemetry_daily.devices + 1` }
    for (const column of columns)
      set[column] = sql`telemetry_daily.${sql.ref(column)} + excluded.${sql.ref(column)}`
    await trx
      .insertInto('telemetry_daily')
      .values({ ...row, devices: 1 })
      .onConflict((oc) => oc.columns(['day', 'product', 'policy_version']).doUpdateSet(set))
      .execute()
  }

  async telemetryBetween(fromDay: string, toDay: string): Promise<TelemetryDailyRow[]> {
    return this.#db
      .selectFrom('telemetry_daily')
      .selectAll()
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .orderBy('day')
      .orderBy('product')
      .orderBy('policy_version')
      .execute()
  }

  async insertShareWithinQuota(row: ShareRow, quota: ShareQuota): Promise<ShareOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      // Concurrent creates of one license queue here, each counting after the one before inserted.
      await this.#lockLicense(trx, row.license_id)
      await trx
        .deleteFrom('shares')
        .where('license_id', '=', row.license_id)
        .where('expires_at', '<=', row.created_at)
        .execute()
      const live = await trx
        .selectFrom('shares')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('shares'),
          sql<number | string>`coalesce(sum(length(title) + length(body)), 0)`.as('characters'),
        ])
        .where('license_id', '=', row.license_id)
        .executeTakeFirstOrThrow()
      if (Number(live.shares) + 1 > quota.shares) return { ok: false, reason: 'too_many' }
      if (Number(live.characters) + row.title.length + row.body.length > quota.characters)
        return { ok: false, reason: 'too_large' }
      await trx.insertInto('shares').values(row).execute()
      return { ok: true }
    })
  }

  async deleteExpiredShares(now: number, limit: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('shares')
      .where('id', 'in', (eb) =>
        eb.selectFrom('shares').select('id').where('expires_at', '<=', now).limit(limit),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async findShare(id: string): Promise<ShareRow | undefined> {
    return this.#db.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async deleteShare(id: string, licenseId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('shares')
      .where('id', '=', id)
      .where('license_id', '=', licenseId)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async takeRateToken(
    scope: string,
    key: string,
    limit: { capacity: number; perMs: number },
    now: number,
  ): Promise<{ ok: boolean; tokens: number }> {
    const [least, greatest] =
      this.#backend === 'postgres' ? [sql`LEAST`, sql`GREATEST`] : [sql`min`, sql`max`]
    const capacity = sql`CAST(${limit.capacity} AS double precision)`
    const at = sql`CAST(${now} AS bigint)`
    // The bucket refilled since its last update. Every SET expression sees the row as it was before
    // this statement, so the read, the refill and the take are one atomic upsert, on any instance.
    const refilled = sql`${least}(${capacity}, rate_limits.tokens + ${greatest}(0, ${at} - rate_limits.updated_at) * CAST(${limit.perMs} AS double precision))`
    const { rows } = await sql<{ tokens: number; ok: number }>`
      INSERT INTO rate_limits (scope, key, tokens, updated_at, ok)
      VALUES (${scope}, ${key}, ${capacity} - 1, ${at}, 1)
      ON CONFLICT (scope, key) DO UPDATE SET
        tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
        ok = CASE WHEN ${refilled} >= 1 THEN 1 ELSE 0 END,
        updated_at = ${greatest}(rate_limits.updated_at, ${at})
      RETURNING tokens, ok`.execute(this.#db)
    const row = rows[0]
    if (!row) throw new Error('rate limit upsert returned no row')
    return { ok: Number(row.ok) === 1, tokens: Number(row.tokens) }
  }

  async sweepRateLimits(scope: string, before: number): Promise<void> {
    await this.#db
      .deleteFrom('rate_limits')
      .where('scope', '=', scope)
      .where('updated_at', '<', before)
      .execute()
  }

  async resealSigningKey(kid: string, from: string, to: string): Promise<void> {
    await this.#db
      .updateTable('signing_keys')
      .set({ private_jwk: to })
      .where('kid', '=', kid)
      .where('private_jwk', '=', from)
      .execute()
  }

  async resealSetting(key: string, from: string, to: string): Promise<void> {
    await this.#db
      .updateTable('settings')
      .set({ value: to })
      .where('key', '=', key)
      .where('value', '=', from)
      .execute()
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst()
    return row?.value
  }

  async initSetting(key: string, value: string): Promise<string> {
    await this.#db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute()
    const stored = await this.getSetting(key)
    if (stored === undefined) throw new Error(`setting ${key} could not be stored`)
    return stored
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

  async close(): Promise<void> {
    await this.#db.destroy()
  }

  async #lockLicense(
    trx: Transaction<Database>,
    licenseId: string,
  ): Promise<LicenseRow | undefined> {
    const query = trx.selectFrom('licenses').selectAll().where('id', '=', licenseId)
    // SQLite serialises writers on its own; PostgreSQL needs the row lock to keep seat counts exact.
    return (this.#backend === 'postgres' ? query.forUpdate() : query).executeTakeFirst()
  }
}

/** The UTC day before `day` (`YYYY-MM-DD`). */
function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
}
