import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { RECONNECT_BUCKETS_MS, TELEMETRY_COUNTERS } from '../../../src/core/index.ts'
import type {
  TelemetryCounters,
  TelemetryReport,
  TelemetrySeries,
} from '../../../src/core/index.ts'
import type { Database } from '../../../server/storage/schema.ts'
import type { Backend } from '../../../server/storage/KyselyStore.ts'

/** A well-formed report of the notes product: some counters and a histogram, changed by `patch`. */
export function telemetryReport(
  patch: Partial<TelemetryCounters> = {},
  counts: number[] = [1, 0, 0, 0, 0, 0, 0, 0, 2],
): TelemetryReport {
  const counters = Object.fromEntries(TELEMETRY_COUNTERS.map((name) => [name, 1]))
  return {
    product: 'notes',
    counters: { ...(counters as TelemetryCounters), ...patch },
    reconnectToFresh: { bucketsMs: [...RECONNECT_BUCKETS_MS], counts },
  }
}

/** The series the admin API answers. */
export type TelemetryAnswer = TelemetrySeries

/** Every row of every table in the database, migrations' bookkeeping included. */
export async function everyTable(
  reader: Kysely<Database>,
  backend: Backend,
): Promise<Record<string, Record<string, unknown>[]>> {
  const { rows: tables } =
    backend === 'sqlite'
      ? await sql<{
          name: string
        }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`.execute(reader)
      : await sql<{
          name: string
        }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`.execute(
          reader,
        )
  const all: Record<string, Record<string, unknown>[]> = {}
  for (const { name } of tables) {
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(
      reader,
    )
    all[name] = rows
  }
  return all
}
