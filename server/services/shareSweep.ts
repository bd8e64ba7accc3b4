import type { Logger } from '../observability/logger.ts'
import type { Store } from '../storage/Store.ts'

const SWEEP_EVERY_MS = 60 * 60 * 1000
const BATCH = 500
// At most this many batches a run: a backlog is cleared over several runs, never in one long stall.
const MAX_BATCHES = 20

/**
 * Deletes shares past their expiry: once now, then every hour, in bounded batches. Expired links
 * already answer 410; this frees what they hold. The timer never keeps the process alive.
 */
export function startShareSweep(
  store: Store,
  now: () => number,
  log: Logger,
): { sweep(): Promise<number>; stop(): void } {
  let running: Promise<number> | null = null
  const sweep = async () => {
    let deleted = 0
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const gone = await store.deleteExpiredShares(now(), BATCH)
      deleted += gone
      if (gone < BATCH) break
    }
    return deleted
  }
  const run = () => {
    running ??= sweep()
      .catch((error: unknown) => {
        log.warn(
          { err: { type: error instanceof Error ? error.name : 'unknown' } },
          'share sweep failed',
        )
        return 0
      })
      .finally(() => {
        running = null
      })
    return running
  }
  const timer = setInterval(() => void run(), SWEEP_EVERY_MS)
  timer.unref()
  void run()
  return { sweep: run, stop: () => clearInterval(timer) }
}
