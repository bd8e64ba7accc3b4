import type { GrantClaims } from './grant.ts'

/**
 * Whether a re-check of this grant is due at `now` (epoch ms): at half the recheck interval, so a
 * device that is online now and then never sees grace. A revocation by the vendor is re-checked
 * too (a reinstatement must reach the device by itself); a device that was deactivated or removed
 * has nothing left to ask.
 */
export function isRecheckDue(claims: GrantClaims, now: number): boolean {
  if (!checksIn(claims) || claims.pol.recheck === null) return false
  return now >= (claims.iat + claims.pol.recheck / 2) * 1000
}

/** Whether a device holding this grant ever checks in: not air-gapped, not deactivated or removed. */
export function checksIn(claims: GrantClaims): boolean {
  if (claims.pol.recheck === null) return false
  return !(claims.status === 'revoked' && claims.rsn !== undefined && claims.rsn !== 'revoked')
}

/**
 * For a grant of a floating license (#15), whether an app that is open now should take a lease or
 * renew the one it holds: none is held, or the one held is half gone. A live borrow needs nothing;
 * a suspended or revoked license is not leased (its re-check says so instead).
 */
export function isLeaseDue(claims: GrantClaims, now: number): boolean {
  if (!claims.flt || claims.status !== 'active') return false
  const endsAt = claims.exp === undefined ? null : claims.exp * 1000
  const held = claims.lse !== undefined && endsAt !== null && now < endsAt
  if (!held) return true
  if (claims.lse === 'borrow') return false
  return now >= (claims.iat * 1000 + endsAt) / 2
}
