import type { Hono } from 'hono'
import * as v from 'valibot'
import { API_PATHS } from '../../../src/core/index.ts'
import type { ActivateRequest, GrantResponse } from '../../../src/core/index.ts'
import { clientAddress } from '../../http/clientAddress.ts'
import { readBody } from '../../http/readBody.ts'
import { identifier, licenseKey, publicJwk, shortText } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'
import { Refusal } from '../../services/Refusal.ts'

const ActivateBody = v.object({
  licenseKey,
  device: v.object({
    id: identifier,
    name: shortText(100),
    platform: shortText(100),
    publicKey: publicJwk,
  }),
  /** Echoed in the grant, so the device can tell this answer from an old one replayed. */
  nonce: v.optional(identifier),
  /** Optional so that workers built before it keep activating. */
  product: v.optional(identifier),
})

/** What the activation routes use: activation, and the guard on attempts per address. */
export type ActivationDeps = Pick<
  Services,
  'activations' | 'activationsPerAddress' | 'metrics' | 'trustedProxies'
>

/** `POST /api/v1/activate`: a seat for this device and its first grant. */
export function activateRoute(app: Hono, s: ActivationDeps): void {
  app.post(API_PATHS.activate, async (c) => {
    return countActivation(s, 'online', async () => {
      // Charged once the request is well-formed: a cross-site form posting text/plain from a
      // visitor's browser must not spend the attempts of the visitor's address.
      const body: ActivateRequest = await readBody(c, ActivateBody)
      await limitActivations(s, clientAddress(c, s.trustedProxies))
      const { licenseKey, device, nonce, product } = body
      const answer = await s.activations.activate(licenseKey, device, { nonce, product })
      return c.json(answer satisfies GrantResponse)
    })
  })
}

/** Runs an activation attempt and counts its outcome (`ok` or the error code) in the metrics. */
export async function countActivation<T>(
  s: Pick<Services, 'metrics'>,
  kind: 'online' | 'offline',
  activation: () => Promise<T>,
): Promise<T> {
  try {
    const answer = await activation()
    s.metrics.activation(kind, 'ok')
    return answer
  } catch (error) {
    s.metrics.activation(kind, error instanceof Refusal ? error.code : 'internal')
    throw error
  }
}

/** Activation attempts per client address: guessing keys must be slow. */
export async function limitActivations(
  s: Pick<Services, 'activationsPerAddress'>,
  address: string,
): Promise<void> {
  const decision = await s.activationsPerAddress.take(address)
  if (!decision.ok) {
    const { retryAfterSeconds } = decision
    throw new Refusal(
      'rate_limited',
      'too many activation attempts from this address; try again later',
      { retryAfterSeconds },
    )
  }
}
