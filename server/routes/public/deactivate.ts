import type { Hono } from 'hono'
import { readBody } from '../../http/readBody.ts'
import { checkSchema } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'

/** `POST /api/v1/deactivate`: frees this device's seat; answers with a signed revocation for it. */
export function deactivateRoute(app: Hono, s: Services): void {
  app.post('/api/v1/deactivate', async (c) => {
    const body = await readBody(c, checkSchema)
    return c.json(await s.licenses.deactivate(body))
  })
}
