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
    try {
      return c.json(await s.manifests.publish(body, 'admin-api', note.slice(0, 500)), 201)
    } catch (error) {
      if (error instanceof ManifestInvalid) throw new ApiError('bad_request', error.message)
      throw error
    }
  })
}
