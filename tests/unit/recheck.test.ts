import { describe, expect, it } from 'vitest'
import { checksIn, isRecheckDue } from '../../src/core/index.ts'
import { DAY, HOUR, ISSUED_AT, SECOND, demoGrant } from './support/demo.ts'

// The demo grant rechecks every day: a re-check falls due 12 hours after it was issued.
const DUE_AT = ISSUED_AT + 12 * HOUR

describe('a grant that rechecks every day', () => {
  it.each<[string, number, boolean]>([
    ['just issued', ISSUED_AT, false],
    ['one second before half the interval', DUE_AT - SECOND, false],
    ['at half the interval', DUE_AT, true],
    ['a week offline', ISSUED_AT + 7 * DAY, true],
  ])('is due for a re-check %s: %s', (_, now, due) => {
    expect(isRecheckDue(demoGrant(), now)).toBe(due)
  })
})

describe('grants that are never re-checked', () => {
  it.each<[string, Parameters<typeof demoGrant>[0]]>([
    ['an air-gapped license (recheck never)', { pol: { ...demoGrant().pol, recheck: null } }],
    ['a device the user deactivated', { status: 'revoked', rsn: 'deactivated' }],
    ['a device the vendor removed', { status: 'revoked', rsn: 'device_removed' }],
  ])('%s never checks in, however long offline', (_, overrides) => {
    const grant = demoGrant(overrides)
    expect(checksIn(grant)).toBe(false)
    expect(isRecheckDue(grant, ISSUED_AT + 365 * DAY)).toBe(false)
  })
})

describe('grants that keep checking in', () => {
  it.each<[string, Parameters<typeof demoGrant>[0]]>([
    ['an active license', {}],
    [
      'a license the vendor revoked, which a reinstatement may undo',
      { status: 'revoked', rsn: 'revoked' },
    ],
    ['a revocation that names no reason', { status: 'revoked' }],
    ['a suspended license', { status: 'suspended' }],
  ])('%s checks in and falls due', (_, overrides) => {
    const grant = demoGrant(overrides)
    expect(checksIn(grant)).toBe(true)
    expect(isRecheckDue(grant, DUE_AT)).toBe(true)
  })
})
