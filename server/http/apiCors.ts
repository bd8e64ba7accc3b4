import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'

/** What a page on another origin may read of an answer beyond the always-readable headers. */
export const CORS_EXPOSED_HEADERS: readonly string[] = ['Retry-After', 'X-Request-Id']

/** How long a browser may keep a preflight's answer: Chromium's ceiling (Firefox allows a day). */
export const CORS_MAX_AGE_SECONDS = 7200

/**
 * CORS for the public API, for `origins` only (LEEWAY_CORS_ORIGINS). Hono's `cors` writes the
 * headers; this decides when it runs. A request from an origin not listed, or from none, gets no
 * CORS header at all (Hono's would still send it Expose-Headers, and a preflight's 204 and methods)
 * and is answered as any other request: the browser then keeps the answer from the page. An
 * OPTIONS without `Access-Control-Request-Method` is no preflight and is answered as any other
 * request (a JSON 404). `Vary: Origin` is on every answer, so that no cache hands one origin's
 * answer to another. No credentials: the API reads none (no cookies, no `Authorization`).
 */
export function apiCors(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins)
  const forAllowed = cors({
    origin: [...allowed],
    allowMethods: ['GET', 'POST', 'DELETE'],
    allowHeaders: ['Content-Type'],
    exposeHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: CORS_MAX_AGE_SECONDS,
  })
  return async (c, next) => {
    const origin = c.req.header('Origin')
    const noPreflight = c.req.method === 'OPTIONS' && !c.req.header('Access-Control-Request-Method')
    if (origin !== undefined && allowed.has(origin) && !noPreflight) return forAllowed(c, next)
    await next()
    c.header('Vary', 'Origin', { append: true })
  }
}
