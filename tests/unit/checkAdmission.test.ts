import { describe, expect, it } from 'vitest'
import { CheckAdmission } from '../../server/http/CheckAdmission.ts'
import type { Admission } from '../../server/http/CheckAdmission.ts'

// Nearly 1: Math.random never returns 1, and with it a refusal gets the whole spread.
const ALMOST_ONE = 1 - 1e-9

/** An admission controller on a clock and a random source the test sets. */
function setup(maxInFlight: number, random = 0) {
  const state = { now: 0, random }
  const admission = new CheckAdmission({
    maxInFlight,
    now: () => state.now,
    random: () => state.random,
  })
  return { admission, state }
}

function admitted(admission: Admission): () => void {
  if (!admission.ok) throw new Error(`expected a place, got ${JSON.stringify(admission)}`)
  return admission.release
}

function refusedFor(admission: Admission): number {
  if (admission.ok) throw new Error('expected a refusal, got a place')
  return admission.retryAfterSeconds
}

describe('a server with room for 3 checks at once', () => {
  it('admits checks until 3 are in progress and refuses the 4th with a Retry-After of at least 1 s', () => {
    const { admission } = setup(3)
    for (let i = 1; i <= 3; i++) {
      admitted(admission.admit(1))
      expect(admission.inFlight).toBe(i)
    }
    expect(refusedFor(admission.admit(1))).toBeGreaterThanOrEqual(1)
    expect(admission.inFlight).toBe(3)
  })

  it('counts a batch by its checks: 2 in progress leave room for 1 more, not for a batch of 2', () => {
    const { admission } = setup(3)
    admitted(admission.admit(2))
    expect(admission.admit(2).ok).toBe(false)
    admitted(admission.admit(1))
    expect(admission.inFlight).toBe(3)
  })

  it('admits a batch larger than the limit when nothing is in progress, and then refuses', () => {
    const { admission } = setup(3)
    const release = admitted(admission.admit(5))
    expect(admission.inFlight).toBe(5)
    expect(admission.admit(1).ok).toBe(false)
    release()
    expect(admission.inFlight).toBe(0)
    admitted(admission.admit(5))
  })

  it('frees the places on release, and a second release frees nothing more', () => {
    const { admission } = setup(3)
    const first = admitted(admission.admit(2))
    admitted(admission.admit(1))
    first()
    expect(admission.inFlight).toBe(1)
    first()
    expect(admission.inFlight).toBe(1)
    admitted(admission.admit(2))
    expect(admission.admit(1).ok).toBe(false)
  })
})

describe('the Retry-After of a refused check', () => {
  /** A full server (100 in progress) that has refused `refused` checks in this second. */
  function busy(random: number, refused: number) {
    const { admission, state } = setup(100, random)
    admitted(admission.admit(100))
    let last = 0
    for (let left = refused; left > 0; left -= 100)
      last = refusedFor(admission.admit(Math.min(100, left)))
    return { admission, state, last }
  }

  it('is 1 s with a random draw of 0, however large the backlog', () => {
    expect(busy(0, 100).last).toBe(1)
    expect(busy(0, 10_000).last).toBe(1)
  })

  // Until a second of work is measured the rate is taken as 200 checks a second: the spread is
  // ceil((in progress + refused in this second) / 200) seconds.
  it.each([
    [100, 1], // (100 + 100) / 200
    [300, 2], // (100 + 300) / 200
    [600, 4], // (100 + 600) / 200 = 3.5
    [1_900, 10], // (100 + 1900) / 200
  ])(
    'with a draw near 1, after %i refusals is the drain time, %i s',
    (refused, expectedSeconds) => {
      expect(busy(ALMOST_ONE, refused).last).toBe(expectedSeconds)
    },
  )

  it('spreads uniformly within the drain time: a draw of 0.5 lands halfway', () => {
    // Spread 10 s (as above): 1 + floor(0.5 × 10).
    expect(busy(0.5, 1_900).last).toBe(6)
  })

  it('never exceeds 120 s, even for a backlog of hours', () => {
    const { admission } = busy(ALMOST_ONE, 100)
    expect(refusedFor(admission.admit(10_000_000))).toBe(120)
  })

  it('stays within 1..spread for every draw', () => {
    const { admission, state } = busy(0, 600) // spread 4 s
    const seen = new Set<number>()
    for (let draw = 0; draw < 1; draw += 0.05) {
      state.random = draw
      // Each refusal adds 1 to the backlog: 100 + 600 + up to 20 stays within 4 s.
      seen.add(refusedFor(admission.admit(1)))
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 3, 4])
  })

  it('remembers what was refused in the previous second, and forgets it a second later', () => {
    const { admission, state } = busy(ALMOST_ONE, 1_900) // spread 10 s
    state.now += 1_000
    // The window rolled: 1900 refused lately still count; this one refusal alone would be 1 s.
    expect(refusedFor(admission.admit(1))).toBe(10)
    state.now += 1_000
    // Two windows on: only the single refusal of the last second, and the 100 in progress.
    expect(refusedFor(admission.admit(1))).toBe(1)
  })
})

describe('the rate estimate behind Retry-After', () => {
  /** Completes `perSecond` checks in each of `seconds` one-second windows, starting at `state.now`. */
  function complete(
    admission: CheckAdmission,
    state: { now: number },
    perSecond: number,
    seconds: number,
  ) {
    for (let i = 0; i < seconds; i++) {
      admitted(admission.admit(perSecond))()
      state.now += 1_000
    }
  }

  it('learns nothing from a quiet server: the devices’ pace is not what the server can do', () => {
    const { admission, state } = setup(10, ALMOST_ONE)
    complete(admission, state, 2, 3) // never half the limit in progress
    admitted(admission.admit(10)) // rolls the 3rd window; the estimate stays at 200 checks/s
    // (10 in progress + 100 refused) / 200 = 0.55 → 1 s; learnt as 2 a second it would be 55 s.
    expect(refusedFor(admission.admit(100))).toBe(1)
  })

  it('never estimates below 200 checks a second, however slowly a busy server completes', () => {
    const { admission, state } = setup(10, ALMOST_ONE)
    complete(admission, state, 10, 5) // busy windows of 10 a second each
    admitted(admission.admit(10))
    // At the floor: (10 + 1990) / 200 = 10 s; without it, (200 → 105 → … → ~13/s) about 150 s.
    expect(refusedFor(admission.admit(1_990))).toBe(10)
  })

  it('rises when a busy server completes fast: 1000 in a second takes it from 200 to 600', () => {
    const { admission, state } = setup(1_000, ALMOST_ONE)
    complete(admission, state, 1_000, 1)
    admitted(admission.admit(1_000)) // rolls: (200 + 1000) / 2 = 600 checks/s
    // (1000 + 1400) / 600 = 4 s; at 200/s it would be 12 s.
    expect(refusedFor(admission.admit(1_400))).toBe(4)
  })

  it('measures over the window as long as it lasted: 1000 checks over 2 s is 500 a second', () => {
    const { admission, state } = setup(1_000, ALMOST_ONE)
    admitted(admission.admit(1_000))()
    state.now += 2_000
    admitted(admission.admit(1_000)) // rolls: (200 + 500) / 2 = 350 checks/s
    // (1000 + 400) / 350 = 4 s; counted as 1000 a second it would be 1400 / 600 → 3 s.
    expect(refusedFor(admission.admit(400))).toBe(4)
  })

  it('keeps the estimate through a window in which nothing completes', () => {
    const { admission, state } = setup(1_000, ALMOST_ONE)
    complete(admission, state, 1_000, 1)
    admitted(admission.admit(1_000)) // 600 checks/s, as above; these 1000 stay in progress
    state.now += 10_000 // ten seconds in which nothing completes
    admitted(admission.admit(0)) // rolls that window
    // Still 600: (1000 + 1400) / 600 = 4 s. Counted as a rate of 0, it would fall to 300: 8 s.
    expect(refusedFor(admission.admit(1_400))).toBe(4)
  })

  it('does not count a check twice when it is released twice', () => {
    const { admission, state } = setup(1_000, ALMOST_ONE)
    const release = admitted(admission.admit(1_000))
    release()
    release()
    state.now += 1_000
    admitted(admission.admit(1_000)) // 1000 completed, not 2000: 600 checks/s, not 1100
    expect(refusedFor(admission.admit(1_400))).toBe(4) // 2400 / 1100 would give 3
  })

  it('does not update within a second: completions before the window ends change nothing yet', () => {
    const { admission, state } = setup(1_000, ALMOST_ONE)
    admitted(admission.admit(1_000))()
    state.now += 999
    admitted(admission.admit(1_000))
    // Still the initial 200/s: (1000 + 1400) / 200 = 12 s.
    expect(refusedFor(admission.admit(1_400))).toBe(12)
  })
})
