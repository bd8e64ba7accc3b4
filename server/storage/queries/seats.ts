import { sql } from 'kysely'
import type { Kysely, Transaction } from 'kysely'
import { GroupCommit } from '../GroupCommit.ts'
import type { Backend } from '../KyselyStore.ts'
import type { Database } from '../schema.ts'
import type {
  ActivationOutcome,
  AuditRow,
  CheckInOutcome,
  DeviceRegistration,
  DeviceRow,
  LeaseRequest,
  LicenseRow,
  UsedProof,
} from '../Store.ts'
import { takeSlot } from './leases.ts'

// Expired proofs are swept on every Nth insert rather than on a timer, so a quiet server does no work.
const PROOF_SWEEP_EVERY = 500

/**
 * The writes that take, renew and free seats, and the used proofs that make each check count once:
 * the hot path of every activation and check-in, and the one where seat counts must stay exact.
 */
export class SeatWrites {
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

  async activateDevice(
    licenseId: string,
    registration: DeviceRegistration,
    now: number,
    releaseIdleBefore: number | null,
    leaseRequest?: LeaseRequest,
  ): Promise<ActivationOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const license = await lockLicense(trx, this.#backend, licenseId)
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
      // Under the same lock as the seat, and before anything is bound: a floating activation
      // that finds every slot held registers nothing.
      const slot = leaseRequest
        ? await takeSlot(trx, license, registration.deviceId, leaseRequest, { mayWait: false })
        : undefined
      if (slot && !slot.ok) return slot
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
      return { ok: true, device, license, lease: slot?.lease }
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
    audit?: AuditRow,
  ): Promise<DeviceRow | undefined> {
    const release = (db: Kysely<Database>) =>
      db
        .updateTable('devices')
        .set({ state, released_at: now, seq: sql<number>`seq + 1` })
        .where('license_id', '=', licenseId)
        .where('device_id', '=', deviceId)
        .returningAll()
        .executeTakeFirst()
    if (!audit) return release(this.#db)
    return this.#db.transaction().execute(async (trx) => {
      const released = await release(trx)
      if (released) await trx.insertInto('admin_audit').values(audit).execute()
      return released
    })
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
}

/** Reads a license inside `trx`, locking its row where the backend needs it. */
export async function lockLicense(
  trx: Transaction<Database>,
  backend: Backend,
  licenseId: string,
): Promise<LicenseRow | undefined> {
  const query = trx.selectFrom('licenses').selectAll().where('id', '=', licenseId)
  // SQLite serialises writers on its own; PostgreSQL needs the row lock to keep seat counts exact.
  return (backend === 'postgres' ? query.forUpdate() : query).executeTakeFirst()
}
