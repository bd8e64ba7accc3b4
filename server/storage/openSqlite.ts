import Sqlite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { KyselyStore } from './KyselyStore.ts'
import { migrateToLatest } from './migrations.ts'
import { withStatementCache } from './statementCache.ts'
import type { Database } from './schema.ts'

/** Opens (creating if needed) the SQLite database at `file`, migrated to the latest schema. */
export async function openSqlite(file: string): Promise<KyselyStore> {
  const database = new Sqlite(file)
  database.pragma('journal_mode = WAL')
  // This better-sqlite3 build defaults WAL databases to synchronous=NORMAL, which can lose the last
  // commits on power loss. A license server must keep every write it answered "done" for: FULL.
  database.pragma('synchronous = FULL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  })
  await migrateToLatest(db as Kysely<unknown>)
  return new KyselyStore(db, 'sqlite')
}
