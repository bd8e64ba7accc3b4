import { retryAfterSeconds } from './RateLimiter.ts'
import type { RateDecision, RateLimit, RateLimiter } from './RateLimiter.ts'

interface Bucket {
  tokens: number
  updatedAt: number
}

// Past this many tracked keys, buckets that have refilled completely are dropped.
const MAX_KEYS = 100_000

/**
 * Token buckets per key (a client address, a license), kept in this process: exact and free for a
 * single instance (SQLite); several instances each keep their own, so use `StoreRateLimiter` there.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #limit: RateLimit
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(limit: RateLimit, now: () => number) {
    this.#limit = limit
    this.#now = now
  }

  take(key: string): Promise<RateDecision> {
    return Promise.resolve(this.#take(key))
  }

  #take(key: string): RateDecision {
    const now = this.#now()
    const perMs = this.#limit.perMinute / 60_000
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit.capacity, updatedAt: now }
    bucket.tokens = Math.min(this.#limit.capacity, bucket.tokens + (now - bucket.updatedAt) * perMs)
    bucket.updatedAt = now
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket)
      return { ok: false, retryAfterSeconds: retryAfterSeconds(bucket.tokens, perMs) }
    }
    bucket.tokens -= 1
    this.#buckets.set(key, bucket)
    if (this.#buckets.size > MAX_KEYS) this.#sweep(now, perMs)
    return { ok: true }
  }

  #sweep(now: number, perMs: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * perMs >= this.#limit.capacity)
        this.#buckets.delete(key)
    }
  }
}
