import type { Hono } from 'hono'
import type { AuditEntryView, Page } from '../../../src/core/index.ts'
import { Refusal } from '../../services/Refusal.ts'
import type { Services } from '../../services.ts'
import { readLimit } from './licenses.ts'

/** `GET /admin/v1/audit?cursor&limit`: who did what, newest first. Read-only: nothing here edits it. */
export function adminAuditRoutes(admin: Hono, s: Pick<Services, 'admin'>): void {
  admin.get('/audit', async (c) => {
    const limit = readLimit(c.req.query('limit'))
    const cursor = c.req.query('cursor')
    if (cursor !== undefined && !/^aud_[a-z0-9]{1,64}$/.test(cursor))
      throw new Refusal('bad_request', 'cursor: not a cursor this API gave')
    return c.json((await s.admin.listAudit(cursor, limit)) satisfies Page<AuditEntryView>)
  })
}
