/**
 * What happened to a slot of a floating license, as `leeway_leases_total` counts it: `taken` (a
 * device without a live lease got one, by a lease call or an activation), `renewed` (a live lease
 * or borrow extended or kept), `borrowed`, `released` (given back by the device: closing the app,
 * returning a borrow), `ended_by_admin`, `denied` (all_leases_in_use).
 */
export const LEASE_EVENTS = [
  'taken',
  'renewed',
  'borrowed',
  'released',
  'ended_by_admin',
  'denied',
] as const

export type LeaseEvent = (typeof LEASE_EVENTS)[number]

/** Whether a lease the store gave at `now` is a new one or the device's live one extended. */
export function leaseEvent(lease: { started_at: number }, now: number): 'taken' | 'renewed' {
  return Number(lease.started_at) < now ? 'renewed' : 'taken'
}
