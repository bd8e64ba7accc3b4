import type { Hono, MiddlewareHandler } from 'hono'
import type { Metrics } from '../observability/Metrics.ts'

/**
 * `GET /metrics`: Prometheus text. Behind a bearer token (the metrics token, or the admin token):
 * the server's port faces the internet, and the counts tell how many customers activate and check.
 */
export function metricsRoute(app: Hono, s: { metrics: Metrics; auth: MiddlewareHandler }): void {
  app.get('/metrics', s.auth, async (c) => {
    const { body, contentType } = await s.metrics.render()
    c.header('Cache-Control', 'no-store')
    return c.body(body, 200, { 'Content-Type': contentType })
  })
}
