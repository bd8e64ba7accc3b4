import { sql } from 'kysely'
import type { Kysely, Transaction } from 'kysely'

interface Pending<DB> {
  work: (trx: Transaction<DB>) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

// Bounds how long one commit holds the database (and, on SQLite, the event loop).
const MAX_WORKS_PER_COMMIT = 256
// Under load, a commit starts no sooner than this many times the last one's duration after the
// last one began, so that commits hold the event loop for at most a fifth of its time; bounded so
// that a slow disk does not hold answers for long.
const COMMIT_SPACING = 5
const MAX_COMMIT_INTERVAL_MS = 25

/**
 * Group commit for SQLite: writes that arrive together share one transaction, so one fsync makes
 * all of them durable. With `synchronous = FULL` each commit waits for the disk, and
 * better-sqlite3 waits on the event loop, so committing every check apart caps a server at the
 * disk's flushes per second. Each work is answered only once its transaction has committed, as if
 * it had committed alone; each runs in a savepoint, so one that fails is its caller's error and
 * leaves the others' writes standing.
 *
 * Works queue until the current turn of the event loop has run (`setImmediate`), so the checks
 * whose cryptography finished together commit together; a quiet server commits each at once. Under
 * load, a commit waits until `COMMIT_SPACING` times the previous commit's duration has passed
 * since that one began (the idea of PostgreSQL's `commit_delay`): at a few hundred checks a
 * second, one commit per check kept the event loop waiting on the disk for a quarter of its time.
 * A check sent right after another may wait out that spacing too (about 2 ms on the test machine);
 * checks of real devices, seconds or hours apart, never do.
 */
export class GroupCommit<DB> {
  readonly #db: Kysely<DB>
  #queue: Pending<DB>[] = []
  #scheduled = false
  #lastCommitStart = -Infinity
  #lastCommitMs = 0

  constructor(db: Kysely<DB>) {
    this.#db = db
  }

  /** Runs `work` in the next shared transaction; resolves once that transaction has committed. */
  run<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    const interval = Math.min(MAX_COMMIT_INTERVAL_MS, COMMIT_SPACING * this.#lastCommitMs)
    const wait = this.#lastCommitStart + interval - performance.now()
    if (wait > 0) setTimeout(() => void this.#commit(), wait)
    else setImmediate(() => void this.#commit())
  }

  async #commit(): Promise<void> {
    this.#lastCommitStart = performance.now()
    const batch = this.#queue.splice(0, MAX_WORKS_PER_COMMIT)
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = []
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const pending of batch) {
          await sql`savepoint group_work`.execute(trx)
          try {
            const value = await pending.work(trx)
            await sql`release savepoint group_work`.execute(trx)
            outcomes.push({ ok: true, value })
          } catch (error) {
            await sql`rollback to savepoint group_work`.execute(trx)
            await sql`release savepoint group_work`.execute(trx)
            outcomes.push({ ok: false, error })
          }
        }
      })
      batch.forEach((pending, index) => {
        const outcome = outcomes[index]
        if (outcome?.ok) pending.resolve(outcome.value)
        else pending.reject(outcome?.error)
      })
    } catch (error) {
      // The transaction did not commit: nothing of this batch is stored, and every caller hears so.
      for (const pending of batch) pending.reject(error)
    } finally {
      this.#lastCommitMs = performance.now() - this.#lastCommitStart
      this.#scheduled = false
      if (this.#queue.length > 0) this.#schedule()
    }
  }
}
