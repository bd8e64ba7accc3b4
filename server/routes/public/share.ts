import type { Hono } from 'hono'
import * as v from 'valibot'
import { API_PATHS } from '../../../src/core/index.ts'
import type { CreateShareRequest, CreatedShare, SharedNote } from '../../../src/core/index.ts'
import { readBody } from '../../http/readBody.ts'
import { checkSchema, shortText, token } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'

/** Longest title and body a shared note may have, in characters. */
export const MAX_SHARE_TITLE = 200
export const MAX_SHARE_BODY = 50_000

const CreateShareBody = v.strictObject({
  grant: token,
  proof: token,
  title: shortText(MAX_SHARE_TITLE),
  body: shortText(MAX_SHARE_BODY),
})

/**
 * `POST /api/v1/shares` `{grant, proof, title, body}`: shares a read-only copy of a note (needs a
 * license entitling `share.link`); `GET /api/v1/shares/:id` reads it; `DELETE` with `{grant, proof}`
 * stops sharing.
 */
export function shareRoutes(app: Hono, s: Pick<Services, 'shares' | 'now'>): void {
  app.post(API_PATHS.shares, async (c) => {
    const { grant, proof, title, body }: CreateShareRequest = await readBody(c, CreateShareBody)
    const share = await s.shares.create({ grant, proof }, { title, body })
    return c.json({ ...share, url: `/s/${share.id}` } satisfies CreatedShare, 201)
  })

  app.get(`${API_PATHS.shares}/:id`, async (c) => {
    const share = await s.shares.read(c.req.param('id'), s.now())
    c.header('Cache-Control', 'no-store')
    // Shown as text by the viewer; this keeps a browser from ever treating it as anything else.
    c.header('X-Content-Type-Options', 'nosniff')
    return c.json(share satisfies SharedNote)
  })

  app.delete(`${API_PATHS.shares}/:id`, async (c) => {
    const check = await readBody(c, checkSchema)
    await s.shares.remove(c.req.param('id'), check)
    return c.body(null, 204)
  })
}
