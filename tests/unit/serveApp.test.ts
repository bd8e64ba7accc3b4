import { describe, expect, it } from 'vitest'
import { serveAppFromEnv } from '../../server/config/serveApp.ts'

// Issue #13: a vendor whose app lives on its own origin serves the API alone.
describe('LEEWAY_SERVE_APP', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
    [' FALSE ', false],
  ])('%s serves the app: %s', (value, serves) => {
    expect(serveAppFromEnv(value === undefined ? {} : { LEEWAY_SERVE_APP: value })).toBe(serves)
  })

  it.each(['no', 'api', '2'])(
    'Should not guess what %s means: the server stops at start',
    (value) => {
      expect(() => serveAppFromEnv({ LEEWAY_SERVE_APP: value })).toThrow(
        'LEEWAY_SERVE_APP must be 0 or false (the API only), or 1 or true',
      )
    },
  )
})
