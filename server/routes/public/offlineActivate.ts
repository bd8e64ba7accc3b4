import type { Hono } from 'hono'
import * as v from 'valibot'
import { API_PATHS } from '../../../src/core/index.ts'
import type { OfflineActivateRequest, OfflineActivateResponse } from '../../../src/core/index.ts'
import { clientAddress } from '../../http/clientAddress.ts'
import { readBody } from '../../http/readBody.ts'
import { identifier, licenseKey, token } from '../../http/schemas.ts'
import { countActivation, limitActivations } from './activate.ts'
import type { ActivationDeps } from './activate.ts'

const OfflineActivateBody = v.object({
  licenseKey,
  requestCode: token,
  product: v.optional(identifier),
})

/** `POST /api/v1/offline/activate`: a license file for an air-gapped device's request code. */
export function offlineActivateRoute(app: Hono, s: ActivationDeps): void {
  app.post(API_PATHS.offlineActivate, async (c) => {
    return countActivation(s, 'offline', async () => {
      // Charged once the request is well-formed, as online activation is.
      const body: OfflineActivateRequest = await readBody(c, OfflineActivateBody)
      await limitActivations(s, clientAddress(c, s.trustedProxies))
      const { licenseKey, requestCode, product } = body
      const answer = await s.activations.activateOffline(licenseKey, requestCode, product)
      return c.json(answer satisfies OfflineActivateResponse)
    })
  })
}
