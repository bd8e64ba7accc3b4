import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { LruCache } from '../lruCache.ts'

/**
 * Keeps better-sqlite3's prepared statements for reuse: Kysely's SQLite driver prepares every
 * query anew, and preparing costs more than running the small queries a check makes. Most
 * recently used kept; statements are only ever used one at a time (Kysely's SQLite driver has one
 * connection behind a mutex).
 */
export function withStatementCache(database: SqliteDatabase, size = 500): SqliteDatabase {
  const statements = new LruCache<string, SqliteStatement>(size)
  return {
    prepare: (text) => statements.getOrCreate(text, (sql) => database.prepare(sql)),
    close() {
      statements.clear()
      database.close()
    },
  }
}
