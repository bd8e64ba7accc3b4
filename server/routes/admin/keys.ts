import type { Hono } from 'hono'
import type { KeyRotated } from '../../../src/core/index.ts'
import { adminActor } from '../../http/adminActor.ts'
import { Refusal } from '../../services/Refusal.ts'
import type { Services } from '../../services.ts'

/** `POST /admin/v1/keys/rotate`: a new signing key; old grants keep verifying under their certificates. */
export function adminKeyRoutes(
  admin: Hono,
  s: Pick<Services, 'keys' | 'rootPrivateKey' | 'now' | 'trustedProxies'>,
): void {
  admin.post('/keys/rotate', async (c) => {
    if (!s.rootPrivateKey) {
      throw new Refusal(
        'conflict',
        'the root private key is not on this server; run `leeway keys rotate --root-key FILE`',
        { reason: 'root_key_absent' },
      )
    }
    const kid = await s.keys.rotate(s.rootPrivateKey, s.now(), adminActor(c, s.trustedProxies))
    const rotated = { kid, certs: await s.keys.certificates(s.now()) }
    return c.json(rotated satisfies KeyRotated, 201)
  })
}
