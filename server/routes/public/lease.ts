import type { Hono } from 'hono'
import * as v from 'valibot'
import { API_PATHS } from '../../../src/core/index.ts'
import type { BorrowRequest, GrantResponse, LeaseRequest } from '../../../src/core/index.ts'
import { readBody } from '../../http/readBody.ts'
import { checkSchema, epochMs, token } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'

const borrowSchema = v.strictObject({ grant: token, proof: token, until: epochMs })

/** The lease endpoints of floating licenses (#15, docs/floating.md); each answers a grant. */
export function leaseRoutes(app: Hono, s: Pick<Services, 'leases'>): void {
  app.post(API_PATHS.lease, async (c) => {
    const body: LeaseRequest = await readBody(c, checkSchema)
    return c.json((await s.leases.take(body)) satisfies GrantResponse)
  })

  app.post(API_PATHS.leaseBorrow, async (c) => {
    const body: BorrowRequest = await readBody(c, borrowSchema)
    const { until, ...check } = body
    return c.json((await s.leases.borrow(check, until)) satisfies GrantResponse)
  })

  app.post(API_PATHS.leaseRelease, async (c) => {
    const body: LeaseRequest = await readBody(c, checkSchema)
    return c.json((await s.leases.release(body)) satisfies GrantResponse)
  })
}
