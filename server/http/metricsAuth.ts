import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { Refusal } from '../services/Refusal.ts'

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * Requires `Authorization: Bearer <token>` with the admin token or the metrics token (if one is
 * set), compared in constant time. The metrics token reads metrics and nothing else, so a scraper
 * never holds the admin token.
 */
export function metricsAuth(
  adminToken: string,
  metricsToken: string | undefined,
): MiddlewareHandler {
  const accepted = [adminToken, ...(metricsToken ? [metricsToken] : [])].map(digest)
  return async (c, next) => {
    const match = /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')
    const given = match?.[1] ? digest(match[1]) : undefined
    // Every token is compared, whichever matches, so the time taken says nothing about which.
    let ok = false
    for (const token of accepted) if (given && timingSafeEqual(given, token)) ok = true
    if (!ok) {
      throw new Refusal(
        'unauthorized',
        'GET /metrics needs Authorization: Bearer <metrics token or admin token>',
      )
    }
    await next()
  }
}
