import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * Keeps better-sqlite3's prepared statements for reuse: Kysely's SQLite driver prepares every
 * query anew, and preparing costs more than running the small queries a check makes. Most
 * recently used kept; statements are only ever used one at a time (Kysely's SQLite driver has one
 * connection behind a mutex).
 */
export function withStatementCache(database: SqliteDatabase, size = 500): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>()
  return {
    prepare(text) {
      const cached = statements.get(text)
      if (cached) {
        statements.delete(text)
        statements.set(text, cached)
        return cached
      }
      const statement = database.prepare(text)
      statements.set(text, statement)
      if (statements.size > size) {
        const oldest = statements.keys().next().value
        if (oldest !== undefined) statements.delete(oldest)
      }
      return statement
    },
    close() {
      statements.clear()
      database.close()
    },
  }
}
