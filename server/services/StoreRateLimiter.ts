import type { Store } from '../storage/Store.ts'
import { retryAfterSeconds } from './RateLimiter.ts'
import type { RateDecision, RateLimit, RateLimiter } from './RateLimiter.ts'

// Buckets untouched long enough to be full again are deleted on every Nth take, not on a timer.
const SWEEP_EVERY = 1_000

/**
 * Token buckets kept in the database, so that a limit holds across every instance that shares it:
 * each take is one atomic upsert (refill, take, answer). `scope` keeps limits apart in one table.
 */
export class StoreRateLimiter implements RateLimiter {
  readonly #store: Store
  readonly #scope: string
  readonly #limit: RateLimit
  readonly #now: () => number
  #takes = 0

  constructor(store: Store, scope: string, limit: RateLimit, now: () => number) {
    this.#store = store
    this.#scope = scope
    this.#limit = limit
    this.#now = now
  }

  async take(key: string): Promise<RateDecision> {
    const now = this.#now()
    const perMs = this.#limit.perMinute / 60_000
    if (++this.#takes % SWEEP_EVERY === 0) {
      const refillMs = Math.ceil(this.#limit.capacity / perMs)
      await this.#store.sweepRateLimits(this.#scope, now - refillMs)
    }
    const { ok, tokens } = await this.#store.takeRateToken(
      this.#scope,
      key,
      { capacity: this.#limit.capacity, perMs },
      now,
    )
    return ok ? { ok: true } : { ok: false, retryAfterSeconds: retryAfterSeconds(tokens, perMs) }
  }
}
