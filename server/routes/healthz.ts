import type { Hono } from 'hono'
import type { Services } from '../services.ts'

/** `GET /healthz`: the database answers and a signing key is loaded. */
export function healthzRoute(app: Hono, s: Pick<Services, 'store' | 'keys' | 'now'>): void {
  app.get('/healthz', async (c) => {
    try {
      await s.store.counts()
      await s.keys.signer(s.now())
      return c.json({ ok: true })
    } catch {
      return c.json({ ok: false }, 503)
    }
  })
}
