import type { Context } from 'hono'
import type { AdminActor } from '../services/audit.ts'
import { clientAddress } from './clientAddress.ts'

/** The name an admin API caller is recorded under when it gives none. */
export const DEFAULT_API_ACTOR = 'admin-api'

/**
 * Who asks, for the audit log: the name in `X-Leeway-Author` (the dashboard and `leeway manifest
 * --server` send one; printable, at most 100 characters) or `admin-api`, and the client address.
 */
export function adminActor(c: Context, trustedProxies: number): AdminActor {
  const given = (c.req.header('x-leeway-author') ?? '')
    .replace(/[^\x20-\x7e\xa0-\xff]/g, '')
    .trim()
    .slice(0, 100)
  return {
    name: given || DEFAULT_API_ACTOR,
    via: 'api',
    address: clientAddress(c, trustedProxies),
  }
}
