import { sql } from 'kysely'
import type { Kysely, Transaction } from 'kysely'

// Fixed lock ids ("Leew" and a purpose), shared by every instance on one database.
const LOCKS = { migrate: 0x4c656577_01, init: 0x4c656577_02, manifest: 0x4c656577_03 } as const

/**
 * Runs `fn` while this process holds a PostgreSQL session advisory lock, so that instances that
 * start together do one-time work (migrations, first keys) one after the other. The lock is held
 * on a connection of its own; `fn` uses the rest of the pool.
 */
export async function withAdvisoryLock<T, DB>(
  db: Kysely<DB>,
  name: keyof typeof LOCKS,
  fn: () => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${LOCKS[name]})`.execute(connection)
    try {
      return await fn()
    } finally {
      await sql`SELECT pg_advisory_unlock(${LOCKS[name]})`.execute(connection)
    }
  })
}

/** Takes a PostgreSQL advisory lock held until the transaction `trx` ends. */
export async function advisoryTransactionLock<DB>(
  trx: Transaction<DB>,
  name: keyof typeof LOCKS,
): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${LOCKS[name]})`.execute(trx)
}
