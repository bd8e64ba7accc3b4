import { randomUUID } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes, routePath } from 'hono/route'
import type { Metrics } from '../observability/Metrics.ts'
import type { Logger } from '../observability/logger.ts'
import { Refusal } from '../services/Refusal.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** This request's id, as logged and echoed in `X-Request-Id`. */
    requestId: string
  }
}

/** The header a request id travels in, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id'

// A request id from a proxy or client is kept only if it is short and plain: it ends up in logs.
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Gives each request an id (a well-formed incoming `X-Request-Id`, else a new UUID), echoes it in
 * the answer, and when the answer is ready logs one line and counts it: method, route pattern,
 * status, duration, and the error code if any. Never a body, a header value, a query or the raw
 * path: paths and queries carry share ids and cursors, bodies carry keys, grants and proofs.
 */
export function requestObserver(log: Logger, metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now()
    const incoming = c.req.header(REQUEST_ID_HEADER)
    const requestId = incoming && WELL_FORMED_ID.test(incoming) ? incoming : randomUUID()
    c.set('requestId', requestId)
    try {
      await next()
    } finally {
      const seconds = (performance.now() - started) / 1000
      const status = c.res.status
      const route = routeOf(c)
      const labels = { method: c.req.method, route, status: String(status) }
      metrics.requests.inc(labels)
      metrics.requestSeconds.observe(labels, seconds)
      c.res.headers.set(REQUEST_ID_HEADER, requestId)
      const line = {
        reqId: requestId,
        method: c.req.method,
        route,
        status,
        durationMs: Math.round(seconds * 100_000) / 100,
        ...(c.error instanceof Refusal ? { code: c.error.code } : {}),
      }
      if (status >= 500) log.error(line, 'request failed')
      else log.info(line, 'request')
    }
  }
}

/**
 * The route pattern that answered (`/admin/v1/licenses/:id`), not the path: the first matched route
 * of a specific method, so a request refused by middleware (a wrong admin token) is still named by
 * its endpoint; catch-alls (`/api/*`, `*`) otherwise.
 */
function routeOf(c: Context): string {
  const specific = matchedRoutes(c).find((route) => route.method !== 'ALL')
  return specific?.path ?? (routePath(c) || 'unmatched')
}
