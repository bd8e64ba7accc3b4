/** Exponential backoff with full jitter: how long to wait before retry number `failures` (1-based). */
export interface BackoffPolicy {
  baseMs: number
  capMs: number
}

const HTTP_DATE = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/, // IMF-fixdate
  /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/, // obsolete RFC 850
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/, // obsolete asctime
]

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 10 * 60_000 }

/**
 * A delay drawn uniformly from [0, min(cap, base·2^(failures-1))]. Full jitter spreads the devices
 * of a whole region that lost the network at once, so they do not all come back in one burst.
 * `random` is injected (Math.random in production) so tests can pin it.
 */
export function backoffDelay(
  failures: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  if (failures <= 0) return 0
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(failures - 1, 30))
  return Math.floor(random() * ceiling)
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into epoch ms, or null.
 * Capped at a day: a proxy's absurd value must not silence re-checks for ever.
 */
export function retryAfterUntil(header: string | null, now: number): number | null {
  if (header === null) return null
  const text = header.trim()
  const maxMs = 86_400_000
  if (/^\d+$/.test(text)) return now + Math.min(Number(text) * 1000, maxMs)
  // Only the three HTTP date forms (RFC 9110 §5.6.7): Date.parse alone would read almost anything.
  if (!HTTP_DATE.some((form) => form.test(text))) return null
  // asctime has no zone; HTTP means GMT, while Date.parse would read it as local time.
  const date = Date.parse(HTTP_DATE[2]?.test(text) ? `${text} GMT` : text)
  if (Number.isNaN(date)) return null
  return Math.min(Math.max(date, now), now + maxMs)
}
