import type { Hono } from 'hono'
import { API_PATHS } from '../../../src/core/index.ts'
import type { KeysResponse } from '../../../src/core/index.ts'
import type { Services } from '../../services.ts'

/** `GET /api/v1/keys`: the signing-key certificates valid now. */
export function keysRoute(app: Hono, s: Pick<Services, 'keys' | 'now'>): void {
  app.get(API_PATHS.keys, async (c) => {
    const serverTime = s.now()
    const answer = { certs: await s.keys.certificates(serverTime), serverTime }
    return c.json(answer satisfies KeysResponse)
  })
}
