import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CLOCK_TOLERANCE_MS,
  GRANT_STATUSES,
  OFFLINE_CLASSES,
  advanceLastSeen,
  evaluate,
  reconcile,
} from '../../src/core/index.ts'
import type { Connectivity, GrantClaims, GrantPolicy, LicenseState } from '../../src/core/index.ts'
import { DAY, ISSUED_AT, SECOND, demoGrant } from './support/demo.ts'

const CONNECTIVITY: readonly Connectivity[] = ['online', 'offline', 'server-error', 'interference']
const NAMES = ['f.one', 'f.two', 'f.three', 'f.four', 'f.five', 'f.six'] as const
const DAY_S = DAY / SECOND

const policyArb: fc.Arbitrary<GrantPolicy> = fc
  .record({
    recheck: fc.option(fc.integer({ min: 1, max: 30 * DAY_S }), { nil: null }),
    grace: fc.integer({ min: 0, max: 30 * DAY_S }),
    keepCritical: fc.integer({ min: 0, max: 30 * DAY_S }),
    classes: fc.array(fc.constantFrom(...OFFLINE_CLASSES), {
      minLength: NAMES.length,
      maxLength: NAMES.length,
    }),
    classified: fc.subarray([...NAMES]),
    critical: fc.subarray([...NAMES]),
  })
  .map(({ recheck, grace, keepCritical, classes, classified, critical }) => ({
    v: 1,
    recheck,
    grace,
    keepCritical,
    features: Object.fromEntries(
      classified.map((name) => [name, classes[NAMES.indexOf(name)] ?? 'online']),
    ),
    critical,
  }))

// Any policy, any entitlement (possibly naming features the policy does not classify), any status
// and term, issued at a whole second around the demo date.
const grantArb: fc.Arbitrary<GrantClaims> = fc
  .record({
    pol: policyArb,
    features: fc.subarray([...NAMES]),
    status: fc.constantFrom(...GRANT_STATUSES),
    iat: fc.integer({ min: ISSUED_AT / SECOND - 10 * DAY_S, max: ISSUED_AT / SECOND + 10 * DAY_S }),
    term: fc.option(fc.integer({ min: 1, max: 60 * DAY_S }), { nil: undefined }),
  })
  .map(({ pol, features, status, iat, term }) =>
    demoGrant({ pol, features, status, iat, exp: term === undefined ? undefined : iat + term }),
  )

const span = fc.integer({ min: 0, max: 70 * DAY })
const featuresOn = (state: LicenseState) =>
  Object.entries(state.features)
    .filter(([, on]) => on)
    .map(([name]) => name)

describe('with no new grant, time only takes features away', () => {
  it('every feature off at t1 is still off at any later t2', () => {
    fc.assert(
      fc.property(
        grantArb,
        span,
        span,
        // What the store had seen before t1: never more than the tolerance ahead of an honest clock.
        fc.option(fc.integer({ min: -70 * DAY, max: CLOCK_TOLERANCE_MS }), { nil: null }),
        fc.constantFrom(...CONNECTIVITY),
        (grant, start, step, seenBefore, connectivity) => {
          const t1 = ISSUED_AT - 5 * DAY + start
          const t2 = t1 + step
          const lastSeen1 = advanceLastSeen(seenBefore === null ? null : t1 + seenBefore, t1)
          const lastSeen2 = advanceLastSeen(lastSeen1, t2)
          const first = evaluate({ grant, now: t1, lastSeen: lastSeen1, connectivity })
          const later = evaluate({ grant, now: t2, lastSeen: lastSeen2, connectivity })
          expect(Object.keys(later.features)).toEqual(Object.keys(first.features))
          for (const name of featuresOn(later)) expect(first.features[name]).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('setting the clock back', () => {
  it('never turns a feature on and never changes the status', () => {
    fc.assert(
      fc.property(
        grantArb,
        span,
        fc.integer({ min: 0, max: 70 * DAY }),
        fc.constantFrom(...CONNECTIVITY),
        (grant, elapsed, back, connectivity) => {
          const now = ISSUED_AT - 5 * DAY + elapsed
          const honest = evaluate({ grant, now, lastSeen: now, connectivity })
          const setBack = evaluate({ grant, now: now - back, lastSeen: now, connectivity })
          expect(setBack.status).toBe(honest.status)
          expect(setBack.clockSuspect).toBe(back > CLOCK_TOLERANCE_MS)
          for (const name of featuresOn(setBack)) expect(honest.features[name]).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('evaluation', () => {
  it('is a function of its input alone', () => {
    fc.assert(
      fc.property(
        grantArb,
        span,
        fc.constantFrom(...CONNECTIVITY),
        (grant, elapsed, connectivity) => {
          const input = {
            grant,
            now: ISSUED_AT + elapsed,
            lastSeen: ISSUED_AT + elapsed,
            connectivity,
          }
          expect(evaluate(structuredClone(input))).toEqual(evaluate(structuredClone(input)))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('turns on only entitled features, and gives a working reason exactly for those on', () => {
    fc.assert(
      fc.property(
        grantArb,
        span,
        fc.constantFrom(...CONNECTIVITY),
        (grant, elapsed, connectivity) => {
          const state = evaluate({
            grant,
            now: ISSUED_AT + elapsed,
            lastSeen: ISSUED_AT + elapsed,
            connectivity,
          })
          for (const [name, on] of Object.entries(state.features)) {
            if (on) expect(grant.features).toContain(name)
            expect(on).toBe(state.reasons[name] === 'ok' || state.reasons[name] === 'kept_critical')
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('two devices receiving the same two grants in either order', () => {
  // Grants of one license on one device that differ in seq, status or iat.
  const sameLicense = fc.record({
    seq: fc.integer({ min: 1, max: 4 }),
    status: fc.constantFrom(...GRANT_STATUSES),
    iat: fc.integer({ min: ISSUED_AT / SECOND, max: ISSUED_AT / SECOND + 3 }),
    sub: fc.constantFrom('lic_demo', 'lic_other'),
  })

  it('keep the same one unless the two tie', () => {
    fc.assert(
      fc.property(sameLicense, sameLicense, (a, b) => {
        const first = demoGrant({ ...a, jti: 'first' })
        const second = demoGrant({ ...b, jti: 'second' })
        const kept = (local: GrantClaims, incoming: GrantClaims) =>
          reconcile(local, incoming).winner === 'local' ? local.jti : incoming.jti
        const tie =
          a.sub === b.sub
            ? a.seq === b.seq &&
              (a.status === 'revoked') === (b.status === 'revoked') &&
              a.iat === b.iat
            : a.iat === b.iat
        if (tie) {
          expect(kept(first, second)).toBe('first')
          expect(kept(second, first)).toBe('second')
        } else {
          expect(kept(first, second)).toBe(kept(second, first))
        }
      }),
      { numRuns: 200 },
    )
  })
})

describe('lastSeen', () => {
  it('never goes back, whatever times are observed', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer(), { nil: null }),
        fc.array(fc.oneof(fc.integer(), fc.constantFrom(Number.NaN, Infinity, -Infinity))),
        (start, times) => {
          const next = advanceLastSeen(start, ...times)
          if (start !== null) expect(next).toBeGreaterThanOrEqual(start)
          for (const time of times)
            if (Number.isFinite(time)) expect(next).toBeGreaterThanOrEqual(time)
        },
      ),
      { numRuns: 200 },
    )
  })
})
