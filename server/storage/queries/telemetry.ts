import { sql } from 'kysely'
import type { Kysely, RawBuilder, Transaction } from 'kysely'
import type { Database } from '../schema.ts'
import type { TelemetryDailyRow } from '../Store.ts'

// Opt-in telemetry: one report per device and UTC day, added into that day's aggregate.

export async function addTelemetryOnce(
  db: Kysely<Database>,
  row: Omit<TelemetryDailyRow, 'devices'>,
  marker: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Reports are dated by the server's clock; the day before is kept for instances whose
    // clocks straddle midnight.
    await trx.deleteFrom('telemetry_markers').where('day', '<', dayBefore(row.day)).execute()
    const marked = await trx
      .insertInto('telemetry_markers')
      .values({ day: row.day, marker })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    if (Number(marked.numInsertedOrUpdatedRows ?? 0) === 0) return false
    await addTelemetry(trx, row)
    return true
  })
}

async function addTelemetry(
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

export async function telemetryBetween(
  db: Kysely<Database>,
  fromDay: string,
  toDay: string,
): Promise<TelemetryDailyRow[]> {
  return db
    .selectFrom('telemetry_daily')
    .selectAll()
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .orderBy('day')
    .orderBy('product')
    .orderBy('policy_version')
    .execute()
}

/** The UTC day before `day` (`YYYY-MM-DD`). */
function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
}
