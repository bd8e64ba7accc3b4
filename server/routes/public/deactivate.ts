import type { Hono } from 'hono'
import { API_PATHS } from '../../../src/core/index.ts'
import type { DeactivateRequest, GrantResponse } from '../../../src/core/index.ts'
import { readBody } from '../../http/readBody.ts'
import { checkSchema } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'

/** `POST /api/v1/deactivate`: frees this device's seat; answers with a signed revocation for it. */
export function deactivateRoute(app: Hono, s: Pick<Services, 'licenses'>): void {
  app.post(API_PATHS.deactivate, async (c) => {
    const body: DeactivateRequest = await readBody(c, checkSchema)
    return c.json((await s.licenses.deactivate(body)) satisfies GrantResponse)
  })
}
