import type { Hono } from 'hono'
import * as v from 'valibot'
import { clientAddress } from '../../http/clientAddress.ts'
import { readBody } from '../../http/readBody.ts'
import { licenseKey, token } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'
import { countActivation, limitActivations } from './activate.ts'

const OfflineActivateBody = v.object({ licenseKey, requestCode: token })

/** `POST /api/v1/offline/activate`: a license file for an air-gapped device's request code. */
export function offlineActivateRoute(app: Hono, s: Services): void {
  app.post('/api/v1/offline/activate', async (c) => {
    return countActivation(s, 'offline', async () => {
      // Charged once the request is well-formed, as online activation is.
      const body = await readBody(c, OfflineActivateBody)
      await limitActivations(s, clientAddress(c, s.trustedProxies))
      return c.json(await s.licenses.activateOffline(body.licenseKey, body.requestCode))
    })
  })
}
