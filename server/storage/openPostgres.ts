import pg from 'pg'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { KyselyStore } from './KyselyStore.ts'
import { migrateToLatest } from './migrations.ts'
import { withAdvisoryLock } from './withAdvisoryLock.ts'
import type { Database } from './schema.ts'

const INT8_OID = 20

// Times are epoch milliseconds in bigint columns and counts are bigint: pg hands both back as
// strings unless told otherwise. They become numbers here, and a value that a number cannot hold
// exactly fails its query instead of coming back rounded. The parser is this pool's own, so the
// process-wide pg.types (other code in the same process) stay untouched.
function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is beyond 2^53`)
  return value
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
}

/** A pool whose bigint columns come back as numbers; for the store, and for tools that read it. */
export function createPgPool(url: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: url, max, types })
}

export interface PostgresOptions {
  /** Connections per instance; several instances share the server's `max_connections`. */
  poolSize?: number
}

/** Opens a pool on `url` (`postgres://…`, `?options=-c search_path=…` picks a schema), migrated. */
export async function openPostgres(
  url: string,
  options: PostgresOptions = {},
): Promise<KyselyStore> {
  const pool = createPgPool(url, options.poolSize ?? 10)
  // An idle client that loses its server (a restart, a failover) must not crash the process: the
  // pool drops it and the next query opens a new one.
  pool.on('error', (error) => console.error(`PostgreSQL: idle connection lost: ${error.message}`))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  try {
    // Instances that start together on a new database must not run the migrations twice at once.
    await withAdvisoryLock(db, 'migrate', async () => {
      const { rows } = await sql<{
        schema: string | null
      }>`SELECT current_schema() AS schema`.execute(db)
      const schema = rows[0]?.schema
      if (!schema) throw new Error('PostgreSQL: no schema to create tables in (check search_path)')
      await migrateToLatest(db as Kysely<unknown>, { schema })
    })
  } catch (error) {
    await db.destroy()
    throw error
  }
  return new KyselyStore(db, 'postgres')
}
