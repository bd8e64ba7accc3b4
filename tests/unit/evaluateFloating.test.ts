import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/core/index.ts'
import type { EvaluateInput, GrantClaims } from '../../src/core/index.ts'
import { DAY, ISSUED_AT, MINUTE, SECOND, demoGrant } from './support/demo.ts'

// A floating license of 3 slots, 15-minute leases, borrowing up to 7 days, a term of 90 days. The
// test policy: notes.edit and notes.search always, export.file window + critical, templates
// window, share.link online; recheck P1D, grace P7D, keepCritical P14D.
const TERM_END = ISSUED_AT + 90 * DAY
const flt = { max: 3, lease: 15 * 60, borrow: 7 * 24 * 3600, end: TERM_END / SECOND }

function floatingGrant(overrides: Partial<GrantClaims> = {}): GrantClaims {
  return demoGrant({ flt, lse: 'lease', exp: (ISSUED_AT + 15 * MINUTE) / SECOND, ...overrides })
}

function evaluateAt(grant: GrantClaims, now: number, more: Partial<EvaluateInput> = {}) {
  return evaluate({ grant, now, lastSeen: now, connectivity: 'offline', ...more })
}

const working = (state: { features: Record<string, boolean> }) =>
  Object.keys(state.features)
    .filter((name) => state.features[name])
    .sort()

describe('a lease', () => {
  it('works like a node-locked grant while held, and says what it holds until when', () => {
    const state = evaluateAt(floatingGrant(), ISSUED_AT + 5 * MINUTE, { connectivity: 'online' })
    expect(state.status).toBe('active')
    expect(working(state)).toEqual([
      'export.file',
      'notes.edit',
      'notes.search',
      'share.link',
      'templates',
    ])
    expect(state.floating).toEqual({
      held: 'lease',
      endsAt: ISSUED_AT + 15 * MINUTE,
      maxConcurrent: 3,
      leaseLength: 15 * MINUTE,
      borrowUntilMax: ISSUED_AT + 5 * MINUTE + 7 * DAY,
      allInUse: null,
      returnPending: false,
    })
    // The term's end comes from `flt`, not from the lease's `exp`.
    expect(state.termEndsAt).toBe(TERM_END)
    // Due for renewal at half its length, and nothing of it outlives it, whatever the window.
    expect(state.nextCheckAt).toBe(ISSUED_AT + 7.5 * MINUTE)
    expect(state.graceEndsAt).toBe(ISSUED_AT + 15 * MINUTE)
  })

  it('not renewed past its half (offline) is in grace until its end, then all of it stops', () => {
    const state = evaluateAt(floatingGrant(), ISSUED_AT + 10 * MINUTE)
    expect(state.status).toBe('grace')
    expect(state.features.templates).toBe(true)
    expect(evaluateAt(floatingGrant(), ISSUED_AT + 15 * MINUTE).status).toBe('unleased')
  })

  it('once lapsed takes even `always` features, keeping critical ones for keepCritical', () => {
    const state = evaluateAt(floatingGrant(), ISSUED_AT + 16 * MINUTE)
    expect(state.status).toBe('unleased')
    expect(state.floating?.held).toBeNull()
    expect(state.reasons['notes.edit']).toBe('no_lease')
    expect(state.reasons.templates).toBe('no_lease')
    expect(state.reasons['notes.search']).toBe('no_lease')
    expect(state.reasons['export.file']).toBe('kept_critical')
    expect(state.criticalUntil).toBe(ISSUED_AT + 15 * MINUTE + 14 * DAY)
    expect(state.remediation.map((step) => step.code)).toEqual(['connect'])
  })

  it('lapsed is not expired: the term has not ended, and critical features end after keepCritical', () => {
    const state = evaluateAt(floatingGrant(), ISSUED_AT + 15 * MINUTE + 14 * DAY)
    expect(state.status).toBe('unleased')
    expect(working(state)).toEqual([])
  })

  it('names the time a slot frees when the server said all are taken, and offers to try again online', () => {
    const nextFreeAt = ISSUED_AT + 40 * MINUTE
    const state = evaluateAt(floatingGrant(), ISSUED_AT + 30 * MINUTE, {
      connectivity: 'online',
      lease: { allInUse: { nextFreeAt, waitingAhead: 0 } },
    })
    expect(state.status).toBe('unleased')
    expect(state.floating?.allInUse).toEqual({ nextFreeAt, waitingAhead: 0 })
    expect(state.remediation.map((step) => step.code)).toEqual(['take_lease'])
  })

  it('a clock set back cannot bring a lapsed lease back', () => {
    const state = evaluate({
      grant: floatingGrant(),
      now: ISSUED_AT + 5 * MINUTE,
      lastSeen: ISSUED_AT + 20 * MINUTE,
      connectivity: 'offline',
    })
    expect(state.status).toBe('unleased')
  })
})

describe('a borrow for a 3-day trip', () => {
  const borrowEnd = ISSUED_AT + 3 * DAY
  const borrowed = floatingGrant({ lse: 'borrow', exp: borrowEnd / SECOND })

  it('keeps window features past the re-check, up to the borrow end', () => {
    // Past the 1-day re-check: a node-locked grant would be in grace by now.
    const state = evaluateAt(borrowed, ISSUED_AT + 2 * DAY + 23 * 60 * MINUTE)
    expect(state.status).toBe('active')
    expect(state.floating?.held).toBe('borrow')
    expect(state.reasons.templates).toBe('ok')
    expect(state.reasons['share.link']).toBe('needs_connection')
    // What the panel shows as "offline until": the borrow's end, not the grace a lease would have.
    expect(state.graceEndsAt).toBe(borrowEnd)
  })

  it('ends with the borrow', () => {
    expect(evaluateAt(borrowed, borrowEnd).status).toBe('unleased')
  })

  it('given back early offline, stops at once and says the server will be told', () => {
    const returnedAt = ISSUED_AT + DAY
    const state = evaluateAt(borrowed, returnedAt + MINUTE, {
      lease: { borrowReturnedAt: returnedAt },
    })
    expect(state.status).toBe('unleased')
    expect(state.floating?.returnPending).toBe(true)
    expect(state.criticalUntil).toBe(returnedAt + 14 * DAY)
  })
})

describe('the term still rules a floating license', () => {
  it('is expired, not unleased, once the term has ended', () => {
    const grant = floatingGrant({ exp: TERM_END / SECOND })
    expect(evaluateAt(grant, TERM_END + MINUTE).status).toBe('expired')
  })

  it('borrowing cannot reach past the term', () => {
    const state = evaluateAt(floatingGrant(), TERM_END - DAY)
    expect(state.floating?.borrowUntilMax).toBe(TERM_END)
  })

  it('a revocation is a revocation, lease or not', () => {
    const grant = floatingGrant({ status: 'revoked', rsn: 'revoked', rvk: ISSUED_AT / SECOND })
    expect(evaluateAt(grant, ISSUED_AT + MINUTE).status).toBe('revoked')
  })

  it('a node-locked grant has no floating state', () => {
    expect(evaluateAt(demoGrant(), ISSUED_AT).floating).toBeNull()
  })
})
