import type { Hono } from 'hono'
import * as v from 'valibot'
import { readBody } from '../../http/readBody.ts'
import { duration, epochMs, identifier, shortText } from '../../http/schemas.ts'
import { Refusal } from '../../services/Refusal.ts'
import type { Services } from '../../services.ts'
import { FloatingBody } from './leases.ts'

const CreateLicenseBody = v.object({
  product: identifier,
  plan: identifier,
  seats: v.pipe(
    v.number('must be a number'),
    v.safeInteger('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(1_000_000, 'must be at most 1000000'),
  ),
  termEnd: v.optional(v.nullable(epochMs)),
  recheckEvery: v.optional(v.nullable(duration)),
  grace: v.optional(v.nullable(duration)),
  note: v.optional(v.nullable(shortText(1000))),
  floating: v.optional(v.nullable(FloatingBody)),
})
const ReasonBody = v.optional(v.object({ reason: v.optional(shortText(500)) }), {})
const RenewBody = v.object({ termEnd: epochMs })

const MAX_PAGE = 500

/** The license routes of the admin API. */
export function adminLicenseRoutes(admin: Hono, s: Pick<Services, 'admin'>): void {
  admin.post('/licenses', async (c) => {
    const body = await readBody(c, CreateLicenseBody)
    return c.json(await s.admin.createLicense(body), 201)
  })

  admin.get('/licenses', async (c) => {
    const limitText = c.req.query('limit') ?? '50'
    const limit = Number(limitText)
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new Refusal('bad_request', `limit: must be a whole number from 1 to ${MAX_PAGE}`)
    }
    const cursor = c.req.query('cursor')
    if (cursor !== undefined && !/^lic_[a-z0-9]{1,64}$/.test(cursor))
      throw new Refusal('bad_request', 'cursor: not a cursor this API gave')
    return c.json(await s.admin.listLicenses(cursor, limit))
  })

  admin.get('/licenses/:id', async (c) => c.json(await s.admin.showLicense(c.req.param('id'))))

  for (const action of ['revoke', 'suspend', 'reinstate'] as const) {
    admin.post(`/licenses/:id/${action}`, async (c) => {
      const body =
        c.req.header('content-length') === '0' || !c.req.header('content-type')
          ? {}
          : await readBody(c, ReasonBody)
      return c.json(await s.admin.setStatus(c.req.param('id'), action, body.reason))
    })
  }

  admin.post('/licenses/:id/renew', async (c) => {
    const body = await readBody(c, RenewBody)
    return c.json(await s.admin.renew(c.req.param('id'), body.termEnd))
  })

  admin.get('/licenses/:id/devices', async (c) =>
    c.json({ items: await s.admin.listDevices(c.req.param('id')) }),
  )

  admin.delete('/licenses/:id/devices/:deviceId', async (c) =>
    c.json(await s.admin.removeDevice(c.req.param('id'), c.req.param('deviceId'))),
  )
}
