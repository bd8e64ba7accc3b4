import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DurationInvalid, formatDuration, isDuration, parseDuration } from '../../src/core/index.ts'

describe('parsing ISO 8601 durations of fixed-length units', () => {
  it.each<[string, number]>([
    ['P7D', 7 * 86_400],
    ['PT12H', 12 * 3_600],
    ['P1W2DT3H4M5S', 604_800 + 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5],
    ['P2W', 14 * 86_400],
    ['PT90M', 90 * 60],
    ['PT45S', 45],
    ['P1DT12H', 86_400 + 12 * 3_600],
    ['P0D', 0],
    ['PT0S', 0],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds)
    expect(isDuration(text)).toBe(true)
  })

  it.each([
    ['P1Y', 'years have no fixed length'],
    ['P1M', 'months have no fixed length (M before T is months)'],
    ['P1Y2M3D', 'years and months'],
    ['P', 'no value at all'],
    ['PT', 'a time part with no value'],
    ['P1DT', 'a time designator with nothing after it'],
    ['7 days', 'plain words'],
    ['-P7D', 'a negative duration'],
    ['P-7D', 'a negative number'],
    ['p7d', 'lowercase designators'],
    ['P1.5D', 'a fraction'],
    ['P0,5D', 'a decimal comma'],
    ['PT1H ', 'trailing space'],
    ['P7D\n', 'a trailing newline'],
    ['', 'the empty string'],
    ['P1D1W', 'units out of order'],
    ['P99999999999999999999W', 'more seconds than a safe integer holds'],
  ])('rejects %j (%s) with duration_invalid', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationInvalid)
    try {
      parseDuration(text)
    } catch (error) {
      expect(error).toMatchObject({ code: 'duration_invalid' })
      expect((error as Error).message).toContain(JSON.stringify(text))
    }
    expect(isDuration(text)).toBe(false)
  })
})

describe('formatting seconds as a duration', () => {
  it.each<[number, string]>([
    [0, 'PT0S'],
    [45, 'PT45S'],
    [43_200, 'PT12H'],
    [86_400, 'P1D'],
    [604_800, 'P7D'],
    [90_061, 'P1DT1H1M1S'],
    [1_209_600 + 60, 'P14DT1M'],
  ])('writes %i seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text)
  })

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 53]])(
    'refuses %d seconds',
    (seconds) => {
      expect(() => formatDuration(seconds)).toThrow(DurationInvalid)
    },
  )

  it('round-trips any whole number of seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seconds) => {
        expect(parseDuration(formatDuration(seconds))).toBe(seconds)
      }),
      { numRuns: 200 },
    )
  })

  it('writes every accepted duration back in its shortest form, with weeks as days', () => {
    const part = fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined })
    fc.assert(
      fc.property(part, part, part, part, part, (w, d, h, m, s) => {
        const time = `${h === undefined ? '' : `${h}H`}${m === undefined ? '' : `${m}M`}${s === undefined ? '' : `${s}S`}`
        const text = `P${w === undefined ? '' : `${w}W`}${d === undefined ? '' : `${d}D`}${time ? `T${time}` : ''}`
        fc.pre(text !== 'P')
        const seconds = parseDuration(text)
        expect(seconds).toBe(
          (w ?? 0) * 604_800 + (d ?? 0) * 86_400 + (h ?? 0) * 3_600 + (m ?? 0) * 60 + (s ?? 0),
        )
        const formatted = formatDuration(seconds)
        expect(formatted).not.toContain('W')
        expect(parseDuration(formatted)).toBe(seconds)
      }),
      { numRuns: 200 },
    )
  })
})
