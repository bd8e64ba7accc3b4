import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { Refusal } from '../services/Refusal.ts'

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Requires `Authorization: Bearer <admin token>` (scheme in any case, as HTTP says), compared in constant time. */
export function adminAuth(adminToken: string): MiddlewareHandler {
  const expected = digest(adminToken)
  return async (c, next) => {
    const match = /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new Refusal('unauthorized', 'admin routes need Authorization: Bearer <admin token>')
    }
    await next()
  }
}
