import type { AdminAction } from '../../src/core/index.ts'
import type { AuditRow } from '../storage/Store.ts'
import { newAuditId } from './ids.ts'

/**
 * Who asks for an admin action. There is one admin token, so the API cannot tell people apart:
 * `name` is what the caller says (`X-Leeway-Author`), and the address is where the request came
 * from. Enough to tell the dashboard from a CI job and one office from another, not proof of a person.
 */
export interface AdminActor {
  name: string
  via: 'api' | 'cli'
  address: string | null
}

/** The actor of actions taken by the server itself on first start (demo data, first key). */
export const SETUP_ACTOR: AdminActor = { name: 'leeway init', via: 'cli', address: null }

/** The audit entry of `action` on `target` at `now`, with what changed in `details`. */
export function auditEntry(
  actor: AdminActor,
  action: AdminAction,
  target: string,
  details: Record<string, unknown>,
  now: number,
): AuditRow {
  return {
    id: newAuditId(now),
    at: now,
    actor: actor.name,
    via: actor.via,
    address: actor.address,
    action,
    target,
    details: JSON.stringify(details),
  }
}
