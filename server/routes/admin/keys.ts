import type { Hono } from 'hono'
import { ApiError } from '../../http/ApiError.ts'
import type { Services } from '../../services.ts'

/** `POST /admin/v1/keys/rotate`: a new signing key; old grants keep verifying under their certificates. */
export function adminKeyRoutes(admin: Hono, s: Services): void {
  admin.post('/keys/rotate', async (c) => {
    if (!s.rootPrivateKey) {
      throw new ApiError(
        'conflict',
        'the root private key is not on this server; run `leeway keys rotate --root-key FILE`',
      )
    }
    const kid = await s.keys.rotate(s.rootPrivateKey, s.now())
    return c.json({ kid, certs: await s.keys.certificates(s.now()) }, 201)
  })
}
