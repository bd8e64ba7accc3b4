import type { Hono } from 'hono'
import * as v from 'valibot'
import { readBody } from '../../http/readBody.ts'
import { checkSchema } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'

/** Most checks one `validate` call takes. */
export const MAX_CHECKS = 100
// A check (grant and proof) is about 1.3 KiB, so 100 of them do not fit the 64 KiB of other bodies.
export const MAX_VALIDATE_BODY_BYTES = 1024 * 1024

const ValidateBody = v.object({
  checks: v.pipe(
    v.array(checkSchema, 'must be an array of {grant, proof}'),
    v.minLength(1, 'must hold at least one check'),
    v.maxLength(MAX_CHECKS, `must hold at most ${MAX_CHECKS} checks`),
  ),
  // Accepted and ignored until telemetry lands; a client that sends it must not be refused.
  telemetry: v.optional(v.unknown()),
})

/** `POST /api/v1/validate`: re-verifies many grants in one call; each result is a fresh grant or an error. */
export function validateRoute(app: Hono, s: Services): void {
  app.post('/api/v1/validate', async (c) => {
    const body = await readBody(c, ValidateBody, MAX_VALIDATE_BODY_BYTES)
    return c.json(await s.licenses.validate(body.checks))
  })
}
