import { describe, expect, it } from 'vitest'
import {
  CLOCK_TOLERANCE_MS,
  advanceLastSeen,
  isClockSuspect,
  lastSeenAfterVerifiedCheck,
} from '../../src/core/index.ts'
import { HOUR, ISSUED_AT, MINUTE } from './support/demo.ts'

const T = ISSUED_AT

describe('the clock guard', () => {
  it('tolerates 5 minutes', () => {
    expect(CLOCK_TOLERANCE_MS).toBe(5 * MINUTE)
  })

  it.each<[string, number, number | null, boolean]>([
    ['nothing seen yet', T, null, false],
    ['the clock moved forward', T + HOUR, T, false],
    ['set back 4 minutes', T - 4 * MINUTE, T, false],
    ['set back exactly 5 minutes', T - 5 * MINUTE, T, false],
    ['set back 6 minutes', T - 6 * MINUTE, T, true],
    ['set back a year', T - 365 * 24 * HOUR, T, true],
  ])('%s: suspect is %s', (_, now, lastSeen, suspect) => {
    expect(isClockSuspect(now, lastSeen)).toBe(suspect)
  })

  it('keeps the largest time seen, ignoring times that are not finite', () => {
    expect(advanceLastSeen(T, T - HOUR, T + MINUTE, Number.NaN)).toBe(T + MINUTE)
    expect(advanceLastSeen(null, T)).toBe(T)
    expect(advanceLastSeen(T, Number.POSITIVE_INFINITY)).toBe(T)
  })
})

describe('after a verified online check', () => {
  it('keeps the later of the two clocks when they agree within the tolerance', () => {
    expect(lastSeenAfterVerifiedCheck(T, T + 4 * MINUTE)).toBe(T + 4 * MINUTE)
    expect(lastSeenAfterVerifiedCheck(T + 4 * MINUTE, T)).toBe(T + 4 * MINUTE)
  })

  it('takes the server time when the local clock runs far ahead, undoing a lastSeen pushed into the future', () => {
    const serverTime = T
    const localClock = T + 30 * 24 * HOUR
    const lastSeen = lastSeenAfterVerifiedCheck(serverTime, localClock)
    expect(lastSeen).toBe(serverTime)
    // Once the user corrects the clock, it is no longer suspect.
    expect(isClockSuspect(T + MINUTE, lastSeen)).toBe(false)
  })

  it('takes the server time when the local clock runs far behind, so the device stays suspect until fixed', () => {
    const lastSeen = lastSeenAfterVerifiedCheck(T, T - HOUR)
    expect(lastSeen).toBe(T)
    expect(isClockSuspect(T - HOUR, lastSeen)).toBe(true)
  })
})
