import type { Hono } from 'hono'
import type { Services } from '../../services.ts'

/** `GET /api/v1/keys`: the signing-key certificates valid now. */
export function keysRoute(app: Hono, s: Services): void {
  app.get('/api/v1/keys', async (c) => {
    const serverTime = s.now()
    return c.json({ certs: await s.keys.certificates(serverTime), serverTime })
  })
}
