import type { Hono } from 'hono'
import * as v from 'valibot'
import type { DryRunResult, ManifestVersionView } from '../../../src/core/index.ts'
import { Refusal } from '../../services/Refusal.ts'
import { adminActor } from '../../http/adminActor.ts'
import { readBody } from '../../http/readBody.ts'
import { shortText } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'

// The body is the manifest itself; its schema is the core's, checked by `publish`.
const AnyObject = v.record(v.string(), v.unknown(), 'must be a JSON object')
const RollbackBody = v.strictObject({
  version: v.pipe(
    v.number('must be a number'),
    v.safeInteger('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
  ),
  note: v.optional(shortText(500)),
})

const MAX_PAGE = 500
const DEFAULT_AUTHOR = 'admin-api'

/**
 * The manifest routes of the admin API: read the current version, publish a new one (or only see
 * its impact with `?dryRun=1`), list the versions, and roll back to an earlier one.
 */
export function adminManifestRoutes(
  admin: Hono,
  s: Pick<Services, 'manifests' | 'trustedProxies'>,
): void {
  admin.get('/manifest', async (c) => {
    const current = await s.manifests.current()
    return c.json(current)
  })

  admin.put('/manifest', async (c) => {
    const body = await readBody(c, AnyObject)
    const note = (c.req.header('x-leeway-note') ?? '').slice(0, 500)
    const actor = adminActor(c, s.trustedProxies)
    const author = (c.req.header('x-leeway-author') ?? '').trim().slice(0, 100) || DEFAULT_AUTHOR
    const dryRun = ['1', 'true'].includes(c.req.query('dryRun') ?? '')
    if (dryRun) {
      const { manifest, impact } = await s.manifests.dryRun(body)
      return c.json({ dryRun: true, valid: true, manifest, impact } satisfies DryRunResult)
    }
    return c.json(
      (await s.manifests.publish(body, author, note, actor)) satisfies ManifestVersionView,
      201,
    )
  })

  admin.get('/manifest/history', async (c) => {
    const limitText = c.req.query('limit') ?? '50'
    const limit = Number(limitText)
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_PAGE)
      throw new Refusal('bad_request', `limit: must be a whole number from 1 to ${MAX_PAGE}`)
    const cursor = c.req.query('cursor')
    if (cursor !== undefined && !/^[1-9]\d{0,14}$/.test(cursor))
      throw new Refusal('bad_request', 'cursor: not a cursor this API gave')
    return c.json(
      await s.manifests.history(cursor === undefined ? undefined : Number(cursor), limit),
    )
  })

  admin.post('/manifest/rollback', async (c) => {
    const body = await readBody(c, RollbackBody)
    return c.json(
      await s.manifests.rollback(body.version, body.note, adminActor(c, s.trustedProxies)),
      201,
    )
  })
}
