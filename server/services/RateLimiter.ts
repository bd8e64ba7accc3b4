export interface RateLimit {
  /** Requests allowed in a burst. */
  capacity: number
  /** Sustained requests per minute. */
  perMinute: number
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

interface Bucket {
  tokens: number
  updatedAt: number
}

// Past this many tracked keys, buckets that have refilled completely are dropped.
const MAX_KEYS = 100_000

/** Token buckets per key (a client address, a license), kept in memory. */
export class RateLimiter {
  readonly #limit: RateLimit
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(limit: RateLimit, now: () => number) {
    this.#limit = limit
    this.#now = now
  }

  /** Takes one token for `key`, or says how many seconds until one is free. */
  take(key: string): RateDecision {
    const now = this.#now()
    const perMs = this.#limit.perMinute / 60_000
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit.capacity, updatedAt: now }
    bucket.tokens = Math.min(this.#limit.capacity, bucket.tokens + (now - bucket.updatedAt) * perMs)
    bucket.updatedAt = now
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket)
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
      }
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
