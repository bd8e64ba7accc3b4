import type { Hono } from 'hono'
import * as v from 'valibot'
import { ManifestInvalid } from '../../../src/core/index.ts'
import { ApiError } from '../../http/ApiError.ts'
import { readBody } from '../../http/readBody.ts'
import type { Services } from '../../services.ts'

// The body is the manifest itself; its schema is the core's, checked by `publish`.
const AnyObject = v.record(v.string(), v.unknown(), 'must be a JSON object')

/** The manifest routes of the admin API: read the current version, publish a new one. */
export function adminManifestRoutes(admin: Hono, s: Services): void {
  admin.get('/manifest', async (c) => {
    const current = await s.manifests.current()
    return c.json(current)
  })

  admin.put('/manifest', async (c) => {
    const body = await readBody(c, AnyObject)
    const note = c.req.header('x-leeway-note') ?? ''
    const dryRun = ['1', 'true'].includes(c.req.query('dryRun') ?? '')
    try {
      const manifest = await s.manifests.check(body)
      // A dry run validates and stores nothing; the impact report over real devices comes with
      // the governance work.
      if (dryRun) return c.json({ dryRun: true, valid: true, manifest })
      return c.json(await s.manifests.publish(manifest, 'admin-api', note.slice(0, 500)), 201)
    } catch (error) {
      if (error instanceof ManifestInvalid) throw new ApiError('bad_request', error.message)
      throw error
    }
  })
}
