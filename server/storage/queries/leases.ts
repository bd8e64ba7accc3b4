import { sql } from 'kysely'
import type { Kysely, Transaction } from 'kysely'
import type { Backend } from '../KyselyStore.ts'
import type { Database } from '../schema.ts'
import type {
  AuditRow,
  DeviceRow,
  LeaseOutcome,
  LeaseRequest,
  LeaseRow,
  LeaseView,
  LeasesInUse,
  LicenseRow,
} from '../Store.ts'
import { lockLicense } from './seats.ts'

/**
 * Leases of floating licenses (#15). Every write that can add a live lease runs with the license
 * row locked, so that the count of live leases and the write that adds one cannot interleave with
 * another's, on one instance or many (docs/floating.md).
 */
export class LeaseWrites {
  readonly #db: Kysely<Database>
  readonly #backend: Backend

  constructor(db: Kysely<Database>, backend: Backend) {
    this.#db = db
    this.#backend = backend
  }

  async takeLease(
    licenseId: string,
    deviceId: string,
    request: LeaseRequest,
  ): Promise<LeaseOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const license = await lockLicense(trx, this.#backend, licenseId)
      if (!license) return { ok: false, reason: 'not_found' }
      if (license.max_concurrent === null) return { ok: false, reason: 'not_floating' }
      const device = await trx
        .selectFrom('devices')
        .select('state')
        .where('license_id', '=', licenseId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst()
      if (device?.state !== 'active') return { ok: false, reason: 'device_unknown' }
      const slot = await takeSlot(trx, license, deviceId, request, { mayWait: true })
      if (!slot.ok) return slot
      const bumped = await bumpDevice(trx, licenseId, deviceId, request.now)
      return { ok: true, lease: slot.lease, device: bumped }
    })
  }

  async endLease(
    licenseId: string,
    deviceId: string,
    now: number,
    audit?: AuditRow,
  ): Promise<DeviceRow | undefined> {
    // Ending only ever frees a slot, so it needs no lock; the seq bump makes the answer's grant
    // (exp = now) win over the lease or borrow grant the device holds. An admin's end commits its
    // audit entry in the same transaction, only when there was a device to end a lease of.
    return this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('leases')
        .set({ ends_at: now })
        .where('license_id', '=', licenseId)
        .where('device_id', '=', deviceId)
        .where('ends_at', '>', now)
        .execute()
      const device = await trx
        .updateTable('devices')
        .set({ seq: sql<number>`seq + 1`, last_seen_at: now })
        .where('license_id', '=', licenseId)
        .where('device_id', '=', deviceId)
        .returningAll()
        .executeTakeFirst()
      if (device && audit) await trx.insertInto('admin_audit').values(audit).execute()
      return device
    })
  }

  async findLease(licenseId: string, deviceId: string): Promise<LeaseRow | undefined> {
    return this.#db
      .selectFrom('leases')
      .selectAll()
      .where('license_id', '=', licenseId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst()
  }

  async listLiveLeases(licenseId: string, now: number): Promise<LeaseView[]> {
    return this.#db
      .selectFrom('leases')
      .innerJoin('devices', (join) =>
        join
          .onRef('devices.license_id', '=', 'leases.license_id')
          .onRef('devices.device_id', '=', 'leases.device_id'),
      )
      .select([
        'leases.device_id',
        'leases.kind',
        'leases.started_at',
        'leases.ends_at',
        'devices.name',
        'devices.platform',
      ])
      .where('leases.license_id', '=', licenseId)
      .where('leases.ends_at', '>', now)
      .where('devices.state', '=', 'active')
      .orderBy('leases.ends_at')
      .orderBy('leases.device_id')
      .execute()
  }
}

/** How long a device stays in line without asking again: an open app asks at least every minute. */
export const LEASE_WAIT_TTL_MS = 3 * 60_000

/**
 * Takes or extends the slot of `deviceId` inside `trx`, which must hold the lock of `license`
 * (see lockLicense). A device with a live lease keeps its slot without being counted again; a
 * lease renewal never shortens a live borrow. A free slot goes to the devices in line first, in
 * the order they joined; a registered device refused (`mayWait`) joins the line or keeps its place.
 */
export async function takeSlot(
  trx: Transaction<Database>,
  license: LicenseRow,
  deviceId: string,
  request: LeaseRequest,
  options: { mayWait: boolean },
): Promise<{ ok: true; lease: LeaseRow } | LeasesInUse> {
  const { now } = request
  const maxConcurrent = license.max_concurrent ?? 0
  const existing = await trx
    .selectFrom('leases')
    .selectAll()
    .where('license_id', '=', license.id)
    .where('device_id', '=', deviceId)
    .executeTakeFirst()
  // A lease row outlives a seat given back (deactivated, removed, released for being idle), and
  // stops counting with it: such a device must be counted again like any other, not skip the count.
  const holder = await trx
    .selectFrom('devices')
    .select('state')
    .where('license_id', '=', license.id)
    .where('device_id', '=', deviceId)
    .executeTakeFirst()
  const live =
    existing !== undefined && Number(existing.ends_at) > now && holder?.state === 'active'
  if (!live) {
    // Only leases of active devices count: a device deactivated, removed or released for being
    // idle gives its slot back with its seat, without a second write to keep in step.
    const { taken, nextEnd } = await trx
      .selectFrom('leases')
      .innerJoin('devices', (join) =>
        join
          .onRef('devices.license_id', '=', 'leases.license_id')
          .onRef('devices.device_id', '=', 'leases.device_id'),
      )
      .select((eb) => [
        eb.fn.countAll<number>().as('taken'),
        eb.fn.min<number | null>('leases.ends_at').as('nextEnd'),
      ])
      .where('leases.license_id', '=', license.id)
      .where('leases.ends_at', '>', now)
      .where('leases.device_id', '<>', deviceId)
      .where('devices.state', '=', 'active')
      .executeTakeFirstOrThrow()
    const line = await waitingLine(trx, license.id, now)
    const place = line.findIndex((wait) => wait.device_id === deviceId)
    const waitingAhead = place === -1 ? line.length : place
    if (Number(taken) + waitingAhead >= maxConcurrent) {
      if (options.mayWait) {
        const since = place === -1 ? now : Number(line[place]?.since ?? now)
        await trx
          .insertInto('lease_waits')
          .values({ license_id: license.id, device_id: deviceId, since, seen_at: now })
          .onConflict((oc) =>
            oc.columns(['license_id', 'device_id']).doUpdateSet({ since, seen_at: now }),
          )
          .execute()
      }
      return {
        ok: false,
        reason: 'all_leases_in_use',
        maxConcurrent,
        nextFreeAt: nextEnd === null ? now : Number(nextEnd),
        waitingAhead,
      }
    }
    if (place !== -1)
      await trx
        .deleteFrom('lease_waits')
        .where('license_id', '=', license.id)
        .where('device_id', '=', deviceId)
        .execute()
  }
  const keepBorrow =
    live &&
    existing.kind === 'borrow' &&
    request.kind === 'lease' &&
    Number(existing.ends_at) >= request.endsAt
  const lease: LeaseRow = {
    license_id: license.id,
    device_id: deviceId,
    kind: keepBorrow ? 'borrow' : request.kind,
    started_at: live ? Number(existing.started_at) : now,
    ends_at: keepBorrow ? Number(existing.ends_at) : request.endsAt,
  }
  await trx
    .insertInto('leases')
    .values(lease)
    .onConflict((oc) =>
      oc.columns(['license_id', 'device_id']).doUpdateSet({
        kind: lease.kind,
        started_at: lease.started_at,
        ends_at: lease.ends_at,
      }),
    )
    .execute()
  return { ok: true, lease }
}

/** The devices in line for a slot of a license, first come first; only active devices still asking. */
async function waitingLine(
  trx: Transaction<Database>,
  licenseId: string,
  now: number,
): Promise<{ device_id: string; since: number }[]> {
  return trx
    .selectFrom('lease_waits')
    .innerJoin('devices', (join) =>
      join
        .onRef('devices.license_id', '=', 'lease_waits.license_id')
        .onRef('devices.device_id', '=', 'lease_waits.device_id'),
    )
    .select(['lease_waits.device_id', 'lease_waits.since'])
    .where('lease_waits.license_id', '=', licenseId)
    .where('lease_waits.seen_at', '>', now - LEASE_WAIT_TTL_MS)
    .where('devices.state', '=', 'active')
    .orderBy('lease_waits.since')
    .orderBy('lease_waits.device_id')
    .execute()
}

async function bumpDevice(
  trx: Transaction<Database>,
  licenseId: string,
  deviceId: string,
  now: number,
): Promise<DeviceRow> {
  return trx
    .updateTable('devices')
    .set({ seq: sql<number>`seq + 1`, last_seen_at: now })
    .where('license_id', '=', licenseId)
    .where('device_id', '=', deviceId)
    .returningAll()
    .executeTakeFirstOrThrow()
}
