import type { GrantClaims } from './grant.ts'

export type ReconcileReason =
  | 'no_local_grant'
  | 'foreign_device'
  | 'foreign_product'
  | 'higher_seq'
  | 'lower_seq'
  | 'revocation_wins'
  | 'later_iat'
  | 'not_newer'

export interface ReconcileOutcome {
  winner: 'local' | 'incoming'
  reason: ReconcileReason
}

/**
 * Decides which of two verified grants a device keeps. A grant for another device or product never
 * replaces the local one; otherwise the higher `seq` wins, and at equal `seq` a revocation wins,
 * then the later `iat`. A different license on the same device (a new activation) wins by `iat`.
 */
export function reconcile(
  local: GrantClaims | null,
  incoming: GrantClaims,
  expect?: { dev?: string; aud?: string },
): ReconcileOutcome {
  if (expect?.dev !== undefined && incoming.dev !== expect.dev) return keepLocal('foreign_device')
  if (expect?.aud !== undefined && incoming.aud !== expect.aud) return keepLocal('foreign_product')
  if (!local) return takeIncoming('no_local_grant')
  if (incoming.dev !== local.dev) return keepLocal('foreign_device')
  if (incoming.aud !== local.aud) return keepLocal('foreign_product')
  if (incoming.sub !== local.sub) {
    return incoming.iat > local.iat ? takeIncoming('later_iat') : keepLocal('not_newer')
  }
  if (incoming.seq > local.seq) return takeIncoming('higher_seq')
  if (incoming.seq < local.seq) return keepLocal('lower_seq')
  const incomingRevokes = incoming.status === 'revoked'
  if (incomingRevokes !== (local.status === 'revoked')) {
    return incomingRevokes ? takeIncoming('revocation_wins') : keepLocal('revocation_wins')
  }
  return incoming.iat > local.iat ? takeIncoming('later_iat') : keepLocal('not_newer')
}

const keepLocal = (reason: ReconcileReason): ReconcileOutcome => ({ winner: 'local', reason })
const takeIncoming = (reason: ReconcileReason): ReconcileOutcome => ({ winner: 'incoming', reason })
