import { describe, expect, it } from 'vitest'
import { reconcile } from '../../src/core/index.ts'
import type { GrantClaims, ReconcileOutcome } from '../../src/core/index.ts'
import { ISSUED_AT, SECOND, demoGrant } from './support/demo.ts'

const IAT = ISSUED_AT / SECOND
const grant = (overrides: Partial<GrantClaims>) => demoGrant({ seq: 5, ...overrides })

type Row = [
  string,
  GrantClaims | null,
  GrantClaims,
  { dev?: string; aud?: string } | undefined,
  ReconcileOutcome,
]

describe('reconciling a stored grant with one just received', () => {
  const rows: Row[] = [
    [
      'a higher seq wins',
      grant({ seq: 5 }),
      grant({ seq: 6, jti: 'grant_6' }),
      undefined,
      { winner: 'incoming', reason: 'higher_seq' },
    ],
    [
      'a higher seq wins even with an earlier iat',
      grant({ seq: 5, iat: IAT + 100 }),
      grant({ seq: 6, iat: IAT }),
      undefined,
      { winner: 'incoming', reason: 'higher_seq' },
    ],
    [
      'a lower seq loses',
      grant({ seq: 5 }),
      grant({ seq: 4, iat: IAT + 100 }),
      undefined,
      { winner: 'local', reason: 'lower_seq' },
    ],
    [
      'a replayed old revocation with a lower seq loses to a reinstatement',
      grant({ seq: 5 }),
      grant({ seq: 4, status: 'revoked', iat: IAT + 100 }),
      undefined,
      { winner: 'local', reason: 'lower_seq' },
    ],
    [
      'at equal seq an incoming revocation beats the active grant',
      grant({}),
      grant({ status: 'revoked', iat: IAT - 100 }),
      undefined,
      { winner: 'incoming', reason: 'revocation_wins' },
    ],
    [
      'at equal seq a stored revocation beats an incoming active grant, even a later one',
      grant({ status: 'revoked' }),
      grant({ iat: IAT + 100 }),
      undefined,
      { winner: 'local', reason: 'revocation_wins' },
    ],
    [
      'at equal seq the later iat wins',
      grant({}),
      grant({ iat: IAT + 1 }),
      undefined,
      { winner: 'incoming', reason: 'later_iat' },
    ],
    [
      'at equal seq an earlier iat loses',
      grant({}),
      grant({ iat: IAT - 1 }),
      undefined,
      { winner: 'local', reason: 'not_newer' },
    ],
    [
      'two revocations at equal seq: the later iat wins',
      grant({ status: 'revoked' }),
      grant({ status: 'revoked', iat: IAT + 1 }),
      undefined,
      { winner: 'incoming', reason: 'later_iat' },
    ],
    [
      'a complete tie keeps the local grant',
      grant({}),
      grant({}),
      undefined,
      { winner: 'local', reason: 'not_newer' },
    ],
    [
      'no local grant takes the incoming one',
      null,
      grant({}),
      undefined,
      { winner: 'incoming', reason: 'no_local_grant' },
    ],
    [
      'no local grant still refuses a grant for another device (expect)',
      null,
      grant({ dev: 'dev_b' }),
      { dev: 'dev_a' },
      { winner: 'local', reason: 'foreign_device' },
    ],
    [
      'no local grant still refuses a grant for another product (expect)',
      null,
      grant({ aud: 'sheets' }),
      { aud: 'notes' },
      { winner: 'local', reason: 'foreign_product' },
    ],
    [
      'a foreign device never replaces, whatever its seq (expect)',
      grant({}),
      grant({ dev: 'dev_b', seq: 99, iat: IAT + 100 }),
      { dev: 'dev_a', aud: 'notes' },
      { winner: 'local', reason: 'foreign_device' },
    ],
    [
      'a foreign device never replaces, whatever its seq (local comparison)',
      grant({}),
      grant({ dev: 'dev_b', seq: 99, iat: IAT + 100 }),
      undefined,
      { winner: 'local', reason: 'foreign_device' },
    ],
    [
      'a foreign product never replaces, whatever its seq (expect)',
      grant({}),
      grant({ aud: 'sheets', seq: 99 }),
      { dev: 'dev_a', aud: 'notes' },
      { winner: 'local', reason: 'foreign_product' },
    ],
    [
      'a foreign product never replaces, whatever its seq (local comparison)',
      grant({}),
      grant({ aud: 'sheets', seq: 99 }),
      undefined,
      { winner: 'local', reason: 'foreign_product' },
    ],
    [
      'a matching expect changes nothing',
      grant({}),
      grant({ seq: 6 }),
      { dev: 'dev_a', aud: 'notes' },
      { winner: 'incoming', reason: 'higher_seq' },
    ],
    [
      'another license on the same device with a later iat wins, even with a lower seq',
      grant({ seq: 40 }),
      grant({ sub: 'lic_other', seq: 1, iat: IAT + 1 }),
      undefined,
      { winner: 'incoming', reason: 'later_iat' },
    ],
    [
      'another license on the same device with an earlier iat loses, even with a higher seq',
      grant({ seq: 1 }),
      grant({ sub: 'lic_other', seq: 40, iat: IAT - 1 }),
      undefined,
      { winner: 'local', reason: 'not_newer' },
    ],
    [
      'another license on the same device replaces a stored revocation when it is later',
      grant({ status: 'revoked' }),
      grant({ sub: 'lic_other', seq: 1, iat: IAT + 60 }),
      undefined,
      { winner: 'incoming', reason: 'later_iat' },
    ],
  ]

  it.each(rows)('%s', (_, local, incoming, expect_, outcome) => {
    expect(reconcile(local, incoming, expect_)).toEqual(outcome)
  })
})
