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
