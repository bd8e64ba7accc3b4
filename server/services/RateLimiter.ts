export interface RateLimit {
  /** Requests allowed in a burst. */
  capacity: number
  /** Sustained requests per minute. */
  perMinute: number
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/** Token buckets per key (a client address, a license). */
export interface RateLimiter {
  /** Takes one token for `key`, or says how many seconds until one is free. */
  take(key: string): Promise<RateDecision>
}

/** Seconds until the bucket holds a whole token again. */
export function retryAfterSeconds(tokens: number, perMs: number): number {
  return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000))
}
