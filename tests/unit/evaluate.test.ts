import { afterEach, describe, expect, it, vi } from 'vitest'
import { evaluate, policyFor } from '../../src/core/index.ts'
import type {
  Connectivity,
  EvaluateInput,
  FeatureReason,
  GrantClaims,
  GrantPolicy,
  LicenseStatus,
  RemediationCode,
} from '../../src/core/index.ts'
import { DAY, HOUR, ISSUED_AT, MINUTE, SECOND, demoGrant, demoProduct } from './support/demo.ts'

// The demo product rechecks every day (P1D) with a 7-day grace and keeps critical features 14 days.
const RECHECK_AT = ISSUED_AT + 1 * DAY
const GRACE_ENDS_AT = RECHECK_AT + 7 * DAY
const CRITICAL_UNTIL = ISSUED_AT + 14 * DAY

/** Evaluates as the store would with an honest clock: `lastSeen` is the time itself. */
function evaluateAt(grant: GrantClaims, now: number, more: Partial<EvaluateInput> = {}) {
  return evaluate({ grant, now, lastSeen: now, connectivity: 'offline', ...more })
}

const codes = (state: { remediation: readonly { code: RemediationCode }[] }) =>
  state.remediation.map((step) => step.code)

describe('no grant on the device', () => {
  const catalog = demoProduct().features
  const classes = Object.fromEntries(
    Object.entries(catalog).map(([name, feature]) => [name, feature.offline]),
  )

  it('is unlicensed and lists every catalog feature off with no_license', () => {
    const state = evaluate({ grant: null, now: ISSUED_AT, catalog: classes })
    expect(state.status).toBe('unlicensed')
    expect(Object.keys(state.features).sort()).toEqual(Object.keys(classes).sort())
    expect(Object.values(state.features).every((on) => !on)).toBe(true)
    expect(new Set(Object.values(state.reasons))).toEqual(new Set(['no_license']))
    expect(state.license).toBeNull()
    expect(state.verifiedAt).toBeNull()
    expect(state.nextCheckAt).toBeNull()
  })

  it('asks to activate when nothing was ever stored', () => {
    const state = evaluate({ grant: null, now: ISSUED_AT })
    expect(codes(state)).toEqual(['activate'])
    expect(state.problem).toBeNull()
  })

  it('asks to reactivate when a stored grant could not be used, and says why', () => {
    const state = evaluate({ grant: null, now: ISSUED_AT, problem: 'signature_invalid' })
    expect(state.status).toBe('unlicensed')
    expect(codes(state)).toEqual(['reactivate'])
    expect(state.problem).toBe('signature_invalid')
  })
})

describe('the sliding window of a 1-day recheck and a 7-day grace, offline', () => {
  const grant = demoGrant()

  it.each<[string, number, LicenseStatus, boolean]>([
    ['at the moment of the online check', ISSUED_AT, 'active', true],
    ['1 ms before the recheck is due', RECHECK_AT - 1, 'active', true],
    ['when the recheck falls due', RECHECK_AT, 'grace', true],
    ['1 ms before grace ends', GRACE_ENDS_AT - 1, 'grace', true],
    ['when grace ends', GRACE_ENDS_AT, 'limited', false],
    ['a year later', ISSUED_AT + 365 * DAY, 'limited', false],
  ])('%s: status is %s, window features on: %s', (_, now, status, windowOn) => {
    const state = evaluateAt(grant, now)
    expect(state.status).toBe(status)
    expect(state.features['templates']).toBe(windowOn)
    expect(state.features['export.file']).toBe(windowOn)
    expect(state.features['notes.edit']).toBe(true)
    expect(state.features['notes.search']).toBe(true)
  })

  it('reports when the check happened, when the next is due and when grace ends', () => {
    const state = evaluateAt(grant, ISSUED_AT + HOUR)
    expect(state.verifiedAt).toBe(ISSUED_AT)
    expect(state.nextCheckAt).toBe(RECHECK_AT)
    expect(state.graceEndsAt).toBe(GRACE_ENDS_AT)
    expect(state.termEndsAt).toBeNull()
    expect(state.criticalUntil).toBeNull()
    expect(state.license).toEqual({
      id: 'lic_demo',
      product: 'notes',
      plan: 'pro',
      deviceId: 'dev_a',
    })
  })

  it('says why window features stopped once grace is over', () => {
    const state = evaluateAt(grant, GRACE_ENDS_AT)
    expect(state.reasons['templates']).toBe('recheck_overdue')
    expect(state.reasons['share.link']).toBe('recheck_overdue')
    expect(state.reasons['notes.edit']).toBe('ok')
  })
})

describe('a term that ends', () => {
  it.each<[string, number, number, LicenseStatus]>([
    ['1 ms before the term ends, inside the active window', 12 * HOUR, 12 * HOUR - 1, 'active'],
    ['when the term ends, inside the active window', 12 * HOUR, 12 * HOUR, 'expired'],
    ['when the term ends during grace', 3 * DAY, 3 * DAY, 'expired'],
    ['long after the term ended', 3 * DAY, 40 * DAY, 'expired'],
  ])('%s: %s', (_, termAfterIssue, nowAfterIssue, status) => {
    const grant = demoGrant({ exp: (ISSUED_AT + termAfterIssue) / SECOND })
    const state = evaluateAt(grant, ISSUED_AT + nowAfterIssue)
    expect(state.status).toBe(status)
    expect(state.termEndsAt).toBe(ISSUED_AT + termAfterIssue)
  })

  it('keeps only critical features, for keepCritical from the term end, and asks to export and renew', () => {
    const grant = demoGrant({ exp: (ISSUED_AT + 3 * DAY) / SECOND })
    const state = evaluateAt(grant, ISSUED_AT + 3 * DAY, { connectivity: 'online' })
    expect(state.features).toEqual({
      'export.file': true,
      'notes.edit': false,
      'notes.search': false,
      'share.link': false,
      templates: false,
    })
    expect(state.reasons['export.file']).toBe('kept_critical')
    expect(state.reasons['notes.edit']).toBe('license_expired')
    expect(state.criticalUntil).toBe(ISSUED_AT + 3 * DAY + 14 * DAY)
    expect(codes(state)).toEqual(['export_now', 'renew'])
  })

  it('turns every feature off keepCritical after the term end, and asks only to renew', () => {
    const grant = demoGrant({ exp: (ISSUED_AT + 3 * DAY) / SECOND })
    const before = evaluateAt(grant, ISSUED_AT + 17 * DAY - 1)
    expect(before.features['export.file']).toBe(true)
    const state = evaluateAt(grant, ISSUED_AT + 17 * DAY, { connectivity: 'online' })
    expect(Object.values(state.features).some(Boolean)).toBe(false)
    expect(new Set(Object.values(state.reasons))).toEqual(new Set(['license_expired']))
    expect(codes(state)).toEqual(['renew'])
  })

  it('is no harsher than a revocation at the same moment: the same features stay on', () => {
    const at = ISSUED_AT + 3 * DAY
    const expired = evaluateAt(demoGrant({ exp: at / SECOND }), at)
    const revoked = evaluateAt(demoGrant({ status: 'revoked', rvk: at / SECOND }), at)
    expect(expired.features).toEqual(revoked.features)
    expect(expired.criticalUntil).toBe(revoked.criticalUntil)
  })

  it('gives back nothing the window had taken: a term ending during limited keeps only always ones', () => {
    const grant = demoGrant({
      exp: (ISSUED_AT + 10 * DAY) / SECOND,
      pol: { ...demoGrant().pol, critical: ['export.file', 'notes.search'] },
    })
    const limited = evaluateAt(grant, ISSUED_AT + 9 * DAY)
    expect(limited.features['export.file']).toBe(false)
    const state = evaluateAt(grant, ISSUED_AT + 10 * DAY)
    expect(state.status).toBe('expired')
    expect(state.features['export.file']).toBe(false)
    expect(state.reasons['export.file']).toBe('license_expired')
    expect(state.features['notes.search']).toBe(true)
  })

  it('never keeps critical features past keepCritical by setting the clock back', () => {
    const grant = demoGrant({ exp: (ISSUED_AT + 3 * DAY) / SECOND })
    const state = evaluate({
      grant,
      now: ISSUED_AT + 4 * DAY,
      lastSeen: ISSUED_AT + 20 * DAY,
      connectivity: 'offline',
    })
    expect(state.status).toBe('expired')
    expect(state.features['export.file']).toBe(false)
  })
})

// Every offline class in every status, online and offline. `c.*` features are critical.
describe('offline classes by status and connectivity', () => {
  const policy: GrantPolicy = {
    v: 1,
    recheck: 86_400,
    grace: 7 * 86_400,
    features: {
      'a.always': 'always',
      'a.window': 'window',
      'a.online': 'online',
      'c.always': 'always',
      'c.window': 'window',
      'c.online': 'online',
    },
    critical: ['c.always', 'c.window', 'c.online'],
    keepCritical: 14 * 86_400,
  }
  const base = demoGrant({ pol: policy, features: Object.keys(policy.features) })
  type Scenario =
    'active' | 'grace' | 'limited' | 'expired' | 'suspended' | 'revoked' | 'clock set back'
  const scenarios: Record<Scenario, { grant: GrantClaims; now: number; lastSeen: number }> = {
    active: { grant: base, now: ISSUED_AT + HOUR, lastSeen: ISSUED_AT + HOUR },
    grace: { grant: base, now: ISSUED_AT + 3 * DAY, lastSeen: ISSUED_AT + 3 * DAY },
    limited: { grant: base, now: ISSUED_AT + 9 * DAY, lastSeen: ISSUED_AT + 9 * DAY },
    expired: {
      grant: { ...base, exp: (ISSUED_AT + 2 * DAY) / SECOND },
      now: ISSUED_AT + 2 * DAY,
      lastSeen: ISSUED_AT + 2 * DAY,
    },
    // Long after grace would have ended: a suspension does not follow the window.
    suspended: {
      grant: { ...base, status: 'suspended' },
      now: ISSUED_AT + 20 * DAY,
      lastSeen: ISSUED_AT + 20 * DAY,
    },
    revoked: {
      grant: { ...base, status: 'revoked' },
      now: ISSUED_AT + 3 * DAY,
      lastSeen: ISSUED_AT + 3 * DAY,
    },
    'clock set back': {
      grant: base,
      now: ISSUED_AT + HOUR,
      lastSeen: ISSUED_AT + HOUR + 6 * MINUTE,
    },
  }
  const expectedStatus: Record<Scenario, LicenseStatus> = {
    active: 'active',
    grace: 'grace',
    limited: 'limited',
    expired: 'expired',
    suspended: 'suspended',
    revoked: 'revoked',
    'clock set back': 'active',
  }

  type Row = [Scenario, string, Connectivity, boolean, FeatureReason]
  const rows: Row[] = [
    ['active', 'a.always', 'offline', true, 'ok'],
    ['active', 'a.always', 'online', true, 'ok'],
    ['active', 'a.window', 'offline', true, 'ok'],
    ['active', 'a.window', 'online', true, 'ok'],
    ['active', 'a.online', 'offline', false, 'needs_connection'],
    ['active', 'a.online', 'online', true, 'ok'],
    ['grace', 'a.always', 'offline', true, 'ok'],
    ['grace', 'a.always', 'online', true, 'ok'],
    ['grace', 'a.window', 'offline', true, 'ok'],
    ['grace', 'a.window', 'online', true, 'ok'],
    ['grace', 'a.online', 'offline', false, 'needs_connection'],
    ['grace', 'a.online', 'online', true, 'ok'],
    ['limited', 'a.always', 'offline', true, 'ok'],
    ['limited', 'a.always', 'online', true, 'ok'],
    ['limited', 'a.window', 'offline', false, 'recheck_overdue'],
    ['limited', 'a.window', 'online', false, 'recheck_overdue'],
    ['limited', 'a.online', 'offline', false, 'recheck_overdue'],
    ['limited', 'a.online', 'online', false, 'recheck_overdue'],
    ['limited', 'c.window', 'offline', false, 'recheck_overdue'],
    ['expired', 'a.always', 'offline', false, 'license_expired'],
    ['expired', 'a.always', 'online', false, 'license_expired'],
    ['expired', 'a.window', 'offline', false, 'license_expired'],
    ['expired', 'a.window', 'online', false, 'license_expired'],
    ['expired', 'a.online', 'offline', false, 'license_expired'],
    ['expired', 'a.online', 'online', false, 'license_expired'],
    ['expired', 'c.always', 'offline', true, 'kept_critical'],
    ['expired', 'c.always', 'online', true, 'kept_critical'],
    ['expired', 'c.window', 'offline', true, 'kept_critical'],
    ['expired', 'c.window', 'online', true, 'kept_critical'],
    ['expired', 'c.online', 'offline', false, 'needs_connection'],
    ['expired', 'c.online', 'online', true, 'kept_critical'],
    ['suspended', 'a.always', 'offline', false, 'license_suspended'],
    ['suspended', 'a.always', 'online', false, 'license_suspended'],
    ['suspended', 'a.window', 'offline', false, 'license_suspended'],
    ['suspended', 'a.window', 'online', false, 'license_suspended'],
    ['suspended', 'a.online', 'offline', false, 'license_suspended'],
    ['suspended', 'a.online', 'online', false, 'license_suspended'],
    ['suspended', 'c.always', 'offline', true, 'kept_critical'],
    ['suspended', 'c.always', 'online', true, 'kept_critical'],
    ['suspended', 'c.window', 'offline', true, 'kept_critical'],
    ['suspended', 'c.window', 'online', true, 'kept_critical'],
    ['suspended', 'c.online', 'offline', false, 'needs_connection'],
    ['suspended', 'c.online', 'online', true, 'kept_critical'],
    ['revoked', 'a.always', 'offline', false, 'license_revoked'],
    ['revoked', 'a.always', 'online', false, 'license_revoked'],
    ['revoked', 'a.window', 'offline', false, 'license_revoked'],
    ['revoked', 'a.window', 'online', false, 'license_revoked'],
    ['revoked', 'a.online', 'offline', false, 'license_revoked'],
    ['revoked', 'a.online', 'online', false, 'license_revoked'],
    ['revoked', 'c.always', 'offline', true, 'kept_critical'],
    ['revoked', 'c.always', 'online', true, 'kept_critical'],
    ['revoked', 'c.window', 'offline', true, 'kept_critical'],
    ['revoked', 'c.window', 'online', true, 'kept_critical'],
    ['revoked', 'c.online', 'offline', false, 'needs_connection'],
    ['revoked', 'c.online', 'online', true, 'kept_critical'],
    ['clock set back', 'a.always', 'offline', true, 'ok'],
    ['clock set back', 'a.always', 'online', true, 'ok'],
    ['clock set back', 'a.window', 'offline', false, 'clock_suspect'],
    ['clock set back', 'a.window', 'online', false, 'clock_suspect'],
    ['clock set back', 'a.online', 'offline', false, 'clock_suspect'],
    ['clock set back', 'a.online', 'online', false, 'clock_suspect'],
  ]

  it.each(rows)(
    '%s and %s: the %s feature is on=%s (%s)',
    (scenario, feature, connectivity, on, reason) => {
      const { grant, now, lastSeen } = scenarios[scenario]
      const state = evaluate({ grant, now, lastSeen, connectivity })
      expect(state.status).toBe(expectedStatus[scenario])
      expect(state.features[feature]).toBe(on)
      expect(state.reasons[feature]).toBe(reason)
    },
  )

  it.each<[Connectivity]>([['server-error'], ['interference']])(
    'treats %s like offline for online features',
    (connectivity) => {
      const state = evaluate({ ...scenarios.grace, connectivity })
      expect(state.features['a.online']).toBe(false)
      expect(state.reasons['a.online']).toBe('needs_connection')
      expect(state.features['a.window']).toBe(true)
      expect(state.connectivity).toBe(connectivity)
    },
  )

  it('assumes offline when connectivity is not given', () => {
    const { grant, now } = scenarios.active
    const state = evaluate({ grant, now })
    expect(state.connectivity).toBe('offline')
    expect(state.features['a.online']).toBe(false)
  })
})

describe('clock set back relative to lastSeen', () => {
  const grant = demoGrant()
  const lastSeen = ISSUED_AT + 2 * HOUR

  it.each<[string, number, boolean]>([
    ['4 minutes', 4 * MINUTE, false],
    ['exactly 5 minutes', 5 * MINUTE, false],
    ['5 minutes and 1 ms', 5 * MINUTE + 1, true],
    ['6 minutes', 6 * MINUTE, true],
  ])('set back %s: clockSuspect is %s', (_, back, suspect) => {
    const state = evaluate({ grant, now: lastSeen - back, lastSeen, connectivity: 'online' })
    expect(state.clockSuspect).toBe(suspect)
    expect(state.status).toBe('active')
    expect(state.features['notes.edit']).toBe(true)
    expect(state.features['templates']).toBe(!suspect)
    expect(state.features['export.file']).toBe(!suspect)
    expect(state.features['share.link']).toBe(!suspect)
    expect(codes(state).includes('fix_clock')).toBe(suspect)
  })

  it('keeps always features and stops window and online ones, even while online', () => {
    const state = evaluate({ grant, now: lastSeen - 6 * MINUTE, lastSeen, connectivity: 'online' })
    expect(state.reasons).toEqual({
      'export.file': 'clock_suspect',
      'notes.edit': 'ok',
      'notes.search': 'ok',
      'share.link': 'clock_suspect',
      templates: 'clock_suspect',
    })
  })

  it('never reopens the window: a clock set back from after grace into the active window stays limited', () => {
    const state = evaluate({ grant, now: ISSUED_AT + HOUR, lastSeen: GRACE_ENDS_AT + HOUR })
    expect(state.clockSuspect).toBe(true)
    expect(state.status).toBe('limited')
    expect(state.features['templates']).toBe(false)
  })

  it('never reopens the window with a set-back inside the tolerance either', () => {
    const state = evaluate({
      grant,
      now: GRACE_ENDS_AT - 3 * MINUTE,
      lastSeen: GRACE_ENDS_AT + MINUTE,
    })
    expect(state.clockSuspect).toBe(false)
    expect(state.status).toBe('limited')
    expect(state.reasons['templates']).toBe('recheck_overdue')
  })

  it('never revives an ended term', () => {
    const ended = demoGrant({ exp: (ISSUED_AT + 12 * HOUR) / SECOND })
    const state = evaluate({ grant: ended, now: ISSUED_AT + HOUR, lastSeen: ISSUED_AT + 13 * HOUR })
    expect(state.status).toBe('expired')
  })

  it('never stretches the critical period after a revocation', () => {
    const revoked = demoGrant({ status: 'revoked' })
    const state = evaluate({
      grant: revoked,
      now: ISSUED_AT + DAY,
      lastSeen: CRITICAL_UNTIL + HOUR,
    })
    expect(state.features['export.file']).toBe(false)
    expect(state.reasons['export.file']).toBe('license_revoked')
  })

  it('a clock ahead of lastSeen is not suspect and moves time forward', () => {
    const state = evaluate({ grant, now: GRACE_ENDS_AT, lastSeen: ISSUED_AT })
    expect(state.clockSuspect).toBe(false)
    expect(state.status).toBe('limited')
  })
})

describe('a store that cannot vouch for its clock guard (lastSeen gone, or a grant written back)', () => {
  it('is clock-suspect whatever the clock reads: window and online features off, always ones on', () => {
    const state = evaluate({
      grant: demoGrant(),
      now: ISSUED_AT + HOUR,
      lastSeen: null,
      connectivity: 'online',
      storeSuspect: true,
      problem: 'last_seen_missing',
    })
    expect(state.clockSuspect).toBe(true)
    expect(state.problem).toBe('last_seen_missing')
    expect(state.reasons).toEqual({
      'export.file': 'clock_suspect',
      'notes.edit': 'ok',
      'notes.search': 'ok',
      'share.link': 'clock_suspect',
      templates: 'clock_suspect',
    })
    expect(codes(state)).toEqual(['fix_clock'])
  })
})

describe('revoked, with export.file critical and a 14-day keepCritical', () => {
  const revocation = demoGrant({ status: 'revoked', seq: 2, rsn: 'revoked' })

  it('keeps only critical features until criticalUntil', () => {
    const state = evaluateAt(revocation, CRITICAL_UNTIL - 1)
    expect(state.status).toBe('revoked')
    expect(state.criticalUntil).toBe(CRITICAL_UNTIL)
    expect(state.features).toEqual({
      'export.file': true,
      'notes.edit': false,
      'notes.search': false,
      'share.link': false,
      templates: false,
    })
    expect(state.reasons['export.file']).toBe('kept_critical')
    expect(state.reasons['notes.edit']).toBe('license_revoked')
    expect(codes(state)).toEqual(['export_now', 'contact_vendor'])
  })

  it('turns critical features off at criticalUntil', () => {
    const state = evaluateAt(revocation, CRITICAL_UNTIL)
    expect(state.features['export.file']).toBe(false)
    expect(state.reasons['export.file']).toBe('license_revoked')
    expect(codes(state)).toEqual(['contact_vendor'])
  })

  it('counts keepCritical from the revocation, not from the first activation', () => {
    const later = demoGrant({ status: 'revoked', iat: (ISSUED_AT + 30 * DAY) / SECOND })
    const state = evaluateAt(later, ISSUED_AT + 30 * DAY + 13 * DAY)
    expect(state.criticalUntil).toBe(ISSUED_AT + 30 * DAY + 14 * DAY)
    expect(state.features['export.file']).toBe(true)
  })

  it('says why it was revoked, and has no next check or grace', () => {
    const state = evaluateAt(revocation, ISSUED_AT + HOUR)
    expect(state.revocationReason).toBe('revoked')
    expect(state.nextCheckAt).toBeNull()
    expect(state.graceEndsAt).toBeNull()
    const plain = evaluateAt(demoGrant({ status: 'revoked' }), ISSUED_AT + HOUR)
    expect(plain.revocationReason).toBe('revoked')
  })

  it('is checked before the term end: a revocation after the term still keeps critical features', () => {
    const grant = demoGrant({ status: 'revoked', exp: (ISSUED_AT + DAY) / SECOND })
    const state = evaluateAt(grant, ISSUED_AT + 2 * DAY)
    expect(state.status).toBe('revoked')
    expect(state.features['export.file']).toBe(true)
  })
})

describe('this device deactivated by its user, or removed by the vendor', () => {
  it.each([['deactivated'], ['device_removed']])(
    '%s: its own state, not revoked, and one step: activate again',
    (rsn) => {
      const grant = demoGrant({ status: 'revoked', seq: 2, rsn, rvk: ISSUED_AT / SECOND })
      const state = evaluateAt(grant, ISSUED_AT + HOUR)
      expect(state.status).toBe('deactivated')
      expect(state.revocationReason).toBe(rsn)
      expect(codes(state)).toEqual(['activate'])
      expect(state.nextCheckAt).toBeNull()
      expect(state.graceEndsAt).toBeNull()
    },
  )

  it('keeps critical features for keepCritical from the release, so the user can take notes along', () => {
    const grant = demoGrant({ status: 'revoked', seq: 2, rsn: 'deactivated' })
    const state = evaluateAt(grant, CRITICAL_UNTIL - 1)
    expect(state.criticalUntil).toBe(CRITICAL_UNTIL)
    expect(state.features['export.file']).toBe(true)
    expect(state.reasons['export.file']).toBe('kept_critical')
    expect(state.features['notes.edit']).toBe(false)
    expect(state.reasons['notes.edit']).toBe('device_deactivated')
    const after = evaluateAt(grant, CRITICAL_UNTIL)
    expect(after.reasons['export.file']).toBe('device_deactivated')
    expect(codes(after)).toEqual(['activate'])
  })
})

describe('suspended', () => {
  it('keeps critical features and turns the others off, with no time limit', () => {
    const grant = demoGrant({ status: 'suspended' })
    const state = evaluateAt(grant, ISSUED_AT + 200 * DAY)
    expect(state.status).toBe('suspended')
    expect(state.features['export.file']).toBe(true)
    expect(state.features['notes.edit']).toBe(false)
    expect(state.reasons['notes.edit']).toBe('license_suspended')
    expect(codes(state)).toEqual(['contact_vendor'])
  })

  it('gives way to an ended term', () => {
    const grant = demoGrant({ status: 'suspended', exp: (ISSUED_AT + DAY) / SECOND })
    expect(evaluateAt(grant, ISSUED_AT + DAY).status).toBe('expired')
  })
})

describe('air-gapped license (recheckEvery null)', () => {
  const pol = policyFor(demoProduct(), 1, { recheckEvery: null })
  const termEnd = ISSUED_AT + 3 * 365 * DAY

  it('stays active for the whole term, offline, and never asks for a check', () => {
    const grant = demoGrant({ pol, exp: termEnd / SECOND })
    const state = evaluateAt(grant, termEnd - 1)
    expect(state.status).toBe('active')
    expect(state.nextCheckAt).toBeNull()
    expect(state.graceEndsAt).toBeNull()
    expect(state.features['templates']).toBe(true)
    expect(state.features['export.file']).toBe(true)
  })

  it('still needs a connection for online features', () => {
    const state = evaluateAt(demoGrant({ pol }), ISSUED_AT + 10 * DAY)
    expect(state.features['share.link']).toBe(false)
    expect(state.reasons['share.link']).toBe('needs_connection')
  })

  it('still ends with its term', () => {
    const grant = demoGrant({ pol, exp: termEnd / SECOND })
    expect(evaluateAt(grant, termEnd).status).toBe('expired')
  })

  it('is active for ever when perpetual', () => {
    const state = evaluateAt(demoGrant({ pol }), ISSUED_AT + 50 * 365 * DAY)
    expect(state.status).toBe('active')
    expect(state.termEndsAt).toBeNull()
  })
})

describe('features outside the plan', () => {
  it('are off with not_in_plan even while active and online', () => {
    const state = evaluateAt(demoGrant({ plan: 'free' }), ISSUED_AT + HOUR, {
      connectivity: 'online',
    })
    expect(state.features).toEqual({
      'export.file': false,
      'notes.edit': true,
      'notes.search': true,
      'share.link': false,
      templates: false,
    })
    expect(state.reasons['templates']).toBe('not_in_plan')
    expect(state.reasons['share.link']).toBe('not_in_plan')
    expect(state.reasons['export.file']).toBe('not_in_plan')
  })

  it('stay not_in_plan rather than kept_critical after a revocation', () => {
    const state = evaluateAt(demoGrant({ plan: 'free', status: 'revoked' }), ISSUED_AT + HOUR)
    expect(state.reasons['export.file']).toBe('not_in_plan')
    expect(state.features['export.file']).toBe(false)
  })

  it('treats an entitled feature the policy does not classify as online-only', () => {
    const grant = demoGrant({ features: [...demoGrant().features, 'beta.ai'] })
    expect(evaluateAt(grant, ISSUED_AT + HOUR).reasons['beta.ai']).toBe('needs_connection')
    expect(
      evaluateAt(grant, ISSUED_AT + HOUR, { connectivity: 'online' }).features['beta.ai'],
    ).toBe(true)
  })
})

describe('remediation', () => {
  const revoked = demoGrant({ status: 'revoked' })
  it.each<[string, EvaluateInput, RemediationCode[]]>([
    ['unlicensed, nothing stored', { grant: null, now: ISSUED_AT }, ['activate']],
    [
      'unlicensed with a problem',
      { grant: null, now: ISSUED_AT, problem: 'cert_not_valid' },
      ['reactivate'],
    ],
    [
      'active and online',
      { grant: demoGrant(), now: ISSUED_AT + HOUR, connectivity: 'online' },
      [],
    ],
    [
      'active offline with an online feature',
      { grant: demoGrant(), now: ISSUED_AT + HOUR },
      ['connect'],
    ],
    [
      'active offline on a plan without online features',
      { grant: demoGrant({ plan: 'free' }), now: ISSUED_AT + HOUR },
      [],
    ],
    ['grace offline', { grant: demoGrant(), now: ISSUED_AT + 2 * DAY }, ['connect']],
    [
      'grace with the server failing',
      { grant: demoGrant(), now: ISSUED_AT + 2 * DAY, connectivity: 'server-error' },
      ['retry_later'],
    ],
    ['limited offline', { grant: demoGrant(), now: ISSUED_AT + 9 * DAY }, ['connect']],
    [
      'expired, critical features kept',
      { grant: demoGrant({ exp: (ISSUED_AT + DAY) / SECOND }), now: ISSUED_AT + DAY },
      ['export_now', 'renew'],
    ],
    [
      'expired, keepCritical over',
      { grant: demoGrant({ exp: (ISSUED_AT + DAY) / SECOND }), now: ISSUED_AT + 15 * DAY },
      ['renew'],
    ],
    [
      'deactivated',
      { grant: demoGrant({ status: 'revoked', rsn: 'deactivated' }), now: ISSUED_AT + HOUR },
      ['activate'],
    ],
    [
      'suspended',
      { grant: demoGrant({ status: 'suspended' }), now: ISSUED_AT + HOUR },
      ['contact_vendor'],
    ],
    [
      'revoked while critical features remain',
      { grant: revoked, now: ISSUED_AT + HOUR },
      ['export_now', 'contact_vendor'],
    ],
    ['revoked after criticalUntil', { grant: revoked, now: CRITICAL_UNTIL }, ['contact_vendor']],
    [
      'clock suspect during grace',
      { grant: demoGrant(), now: ISSUED_AT + 2 * DAY, lastSeen: ISSUED_AT + 2 * DAY + 6 * MINUTE },
      ['fix_clock', 'connect'],
    ],
    [
      'clock suspect while active and online',
      {
        grant: demoGrant(),
        now: ISSUED_AT + HOUR,
        lastSeen: ISSUED_AT + HOUR + 6 * MINUTE,
        connectivity: 'online',
      },
      ['fix_clock'],
    ],
    [
      'clock suspect during grace while online: no advice to connect',
      {
        grant: demoGrant(),
        now: ISSUED_AT + 2 * DAY,
        lastSeen: ISSUED_AT + 2 * DAY + 6 * MINUTE,
        connectivity: 'online',
      },
      ['fix_clock'],
    ],
  ])('%s: %j', (_, input, expected) => {
    const state = evaluate(input)
    expect(codes(state)).toEqual(expected)
    for (const step of state.remediation) expect(step.text.length).toBeGreaterThan(10)
  })
})

describe('the words of fix_clock', () => {
  const suspect = {
    grant: demoGrant(),
    now: ISSUED_AT + HOUR,
    lastSeen: ISSUED_AT + HOUR + 6 * MINUTE,
  }

  it('offline: correct the clock, or connect', () => {
    const state = evaluate({ ...suspect, connectivity: 'offline' })
    expect(state.remediation[0]?.text).toContain('or connect to the internet')
  })

  it('online: only the clock to correct, then check again', () => {
    const state = evaluate({ ...suspect, connectivity: 'online' })
    expect(state.remediation[0]?.text).not.toContain('connect')
    expect(state.remediation[0]?.text).toContain('then check again')
  })
})

describe("the vendor's support link", () => {
  it('comes from the signed policy', () => {
    const grant = demoGrant({
      pol: { ...demoGrant().pol, support: 'https://vendor.example/support' },
    })
    expect(evaluateAt(grant, ISSUED_AT).supportUrl).toBe('https://vendor.example/support')
  })

  it('is null when the policy has none, and with no grant', () => {
    expect(evaluateAt(demoGrant(), ISSUED_AT).supportUrl).toBeNull()
    expect(evaluate({ grant: null, now: ISSUED_AT }).supportUrl).toBeNull()
  })
})

describe('determinism', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('gives the same state for the same input, whatever the system clock says', () => {
    const input: EvaluateInput = {
      grant: demoGrant(),
      now: ISSUED_AT + 2 * DAY,
      lastSeen: ISSUED_AT + 2 * DAY,
      connectivity: 'offline',
    }
    vi.useFakeTimers()
    vi.setSystemTime(ISSUED_AT - 10 * 365 * DAY)
    const first = evaluate(input)
    vi.setSystemTime(ISSUED_AT + 10 * 365 * DAY)
    const second = evaluate(input)
    expect(second).toEqual(first)
    expect(first.status).toBe('grace')
  })

  it('does not change its input', () => {
    const input: EvaluateInput = { grant: demoGrant({ status: 'revoked' }), now: ISSUED_AT + DAY }
    const before = structuredClone(input)
    evaluate(input)
    expect(input).toEqual(before)
  })
})

describe('an entitled feature the policy does not classify', () => {
  it.each(['unclassified', 'constructor', 'toString'])(
    'treats "%s" as an online feature, never as one inherited from Object.prototype',
    (name) => {
      const grant = demoGrant({ features: [...demoGrant().features, name] })
      const offline = evaluate({ grant, now: ISSUED_AT + HOUR, connectivity: 'offline' })
      const online = evaluate({ grant, now: ISSUED_AT + HOUR, connectivity: 'online' })
      expect(offline.features[name]).toBe(false)
      expect(offline.reasons[name]).toBe('needs_connection')
      expect(online.features[name]).toBe(true)
    },
  )
})
