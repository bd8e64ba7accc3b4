import type { Hono } from 'hono'
import { metricsAuth } from '../http/metricsAuth.ts'
import type { Services } from '../services.ts'

/**
 * `GET /metrics`: Prometheus text. Behind a bearer token (the metrics token, or the admin token):
 * the server's port faces the internet, and the counts tell how many customers activate and check.
 */
export function metricsRoute(app: Hono, s: Services): void {
  app.get('/metrics', metricsAuth(s.adminToken, s.metricsToken), async (c) => {
    const { body, contentType } = await s.metrics.render()
    c.header('Cache-Control', 'no-store')
    return c.body(body, 200, { 'Content-Type': contentType })
  })
}
