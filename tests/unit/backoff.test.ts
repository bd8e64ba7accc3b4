import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_BACKOFF, backoffDelay, retryAfterUntil } from '../../src/core/index.ts'
import type { BackoffPolicy } from '../../src/core/index.ts'
import { DAY, MINUTE, SECOND } from './support/demo.ts'

/** The largest double below 1: what Math.random can return at most. */
const ALMOST_ONE = 1 - Number.EPSILON / 2
const lowest = () => 0
const highest = () => ALMOST_ONE
const NOW = Date.parse('2026-03-01T12:00:00Z')

describe('the default backoff', () => {
  it('starts at 2 seconds and is capped at 10 minutes', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 2 * SECOND, capMs: 10 * MINUTE })
  })
})

describe('a retry after failures with full jitter', () => {
  it.each<[string, number]>([
    ['no failure yet', 0],
    ['a negative count', -3],
  ])('waits nothing after %s, whatever the random draw', (_, failures) => {
    expect(backoffDelay(failures, highest)).toBe(0)
    expect(backoffDelay(failures, lowest)).toBe(0)
  })

  // With the draw pinned just below 1 the delay is the ceiling minus 1 ms: the ceiling doubles
  // with each failure until it reaches the cap, at the 10th failure.
  it.each<[number, number]>([
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [4, 16_000],
    [5, 32_000],
    [6, 64_000],
    [7, 128_000],
    [8, 256_000],
    [9, 512_000],
    [10, 600_000],
    [11, 600_000],
    [31, 600_000],
    [1_000, 600_000],
    [Number.MAX_SAFE_INTEGER, 600_000],
  ])(
    'failure %i: the ceiling is %i ms and the longest wait 1 ms short of it',
    (failures, ceiling) => {
      expect(backoffDelay(failures, highest)).toBe(ceiling - 1)
    },
  )

  it.each([[1], [5], [10], [1_000]])(
    'failure %i with a draw of 0 retries at once: full jitter reaches down to zero',
    (failures) => {
      expect(backoffDelay(failures, lowest)).toBe(0)
    },
  )

  it('a draw of one half waits half the ceiling', () => {
    expect(backoffDelay(3, () => 0.5)).toBe(4_000)
  })

  it('uses the policy it is given, not the default', () => {
    const policy: BackoffPolicy = { baseMs: 100, capMs: 1_000 }
    expect([1, 2, 3, 4, 5, 6].map((failures) => backoffDelay(failures, highest, policy))).toEqual([
      99, 199, 399, 799, 999, 999,
    ])
  })

  it('is a whole number of ms, never negative and never the cap itself, for any count and draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10, max: 10_000 }),
        fc.double({ min: 0, max: ALMOST_ONE, noNaN: true }),
        (failures, draw) => {
          const delay = backoffDelay(failures, () => draw)
          expect(Number.isSafeInteger(delay)).toBe(true)
          expect(delay).toBeGreaterThanOrEqual(0)
          expect(delay).toBeLessThan(DEFAULT_BACKOFF.capMs)
        },
      ),
    )
  })

  it('never waits less after more failures, for the same draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: ALMOST_ONE, noNaN: true }),
        (failures, draw) => {
          const random = () => draw
          expect(backoffDelay(failures + 1, random)).toBeGreaterThanOrEqual(
            backoffDelay(failures, random),
          )
        },
      ),
    )
  })
})

describe('a Retry-After header', () => {
  it.each<[string, string | null, number | null]>([
    ['absent', null, null],
    ['0 seconds', '0', NOW],
    ['5 seconds', '5', NOW + 5 * SECOND],
    ['5 seconds with spaces around', '  5 ', NOW + 5 * SECOND],
    ['120 seconds', '120', NOW + 2 * MINUTE],
    ['exactly a day in seconds', '86400', NOW + DAY],
    ['a day and a second', '86401', NOW + DAY],
    ['a year in seconds', String(365 * 86_400), NOW + DAY],
    ['more seconds than a double holds exactly', '99999999999999999999999', NOW + DAY],
    ['an HTTP date 30 seconds ahead', new Date(NOW + 30 * SECOND).toUTCString(), NOW + 30 * SECOND],
    [
      'an HTTP date 23 hours ahead',
      new Date(NOW + 23 * 60 * MINUTE).toUTCString(),
      NOW + 23 * 60 * MINUTE,
    ],
    ['an HTTP date a year ahead', new Date(NOW + 365 * DAY).toUTCString(), NOW + DAY],
    ['an HTTP date in the past', 'Wed, 21 Oct 2015 07:28:00 GMT', NOW],
    ['the obsolete RFC 850 date form, in the past', 'Sunday, 06-Nov-94 08:49:37 GMT', NOW],
    ['an empty value', '', null],
    ['blanks only', '   ', null],
    ['a word', 'soon', null],
    ['seconds with a unit', '5s', null],
    ['a decimal with a trailing zero', '5.0', null],
    ['a phrase', 'in 5 minutes', null],
    ['an impossible date', 'Mon, 32 Jan 2024 00:00:00 GMT', null],
    ['the obsolete asctime form, in the past', 'Sun Nov  6 08:49:37 1994', NOW],
    // Date.parse alone reads this as a date in 2099: a broken proxy must not silence re-checks.
    ['a word and a year', 'garbage 2099', null],
    ['an ISO date', '2099-01-01T00:00:00Z', null],
  ])('%s (%j)', (_, header, expected) => {
    expect(retryAfterUntil(header, NOW)).toBe(expected)
  })

  it('whatever the text, means no wait or a wait of at most a day from now', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (header) => {
        const until = retryAfterUntil(header, NOW)
        if (until === null) return
        expect(until).toBeGreaterThanOrEqual(NOW)
        expect(until).toBeLessThanOrEqual(NOW + DAY)
      }),
    )
  })
})
