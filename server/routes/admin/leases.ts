import type { Hono } from 'hono'
import * as v from 'valibot'
import type { LeaseHolderView } from '../../../src/core/index.ts'
import { adminActor } from '../../http/adminActor.ts'
import { duration } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'

/** `floating` in `POST /admin/v1/licenses`: the settings of a floating license (#15). */
export const FloatingBody = v.strictObject({
  maxConcurrent: v.pipe(
    v.number('must be a number'),
    v.safeInteger('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(1_000_000, 'must be at most 1000000'),
  ),
  leaseLength: duration,
  maxBorrow: v.optional(v.nullable(duration)),
})

/** Who holds the slots of a floating license, and ending a lease. */
export function adminLeaseRoutes(
  admin: Hono,
  s: Pick<Services, 'admin' | 'metrics' | 'trustedProxies'>,
): void {
  admin.get('/licenses/:id/leases', async (c) =>
    c.json({ items: (await s.admin.listLeases(c.req.param('id'))) satisfies LeaseHolderView[] }),
  )

  admin.delete('/licenses/:id/leases/:deviceId', async (c) => {
    const ended = await s.admin.endLease(
      c.req.param('id'),
      c.req.param('deviceId'),
      adminActor(c, s.trustedProxies),
    )
    s.metrics.lease('ended_by_admin')
    return c.json(ended)
  })
}
