import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../server/config/ConfigError.ts'
import { trustedProxiesFromEnv } from '../../server/config/trustedProxies.ts'

describe('LEEWAY_TRUST_PROXY', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['false', 0],
    ['1', 1],
    ['true', 1],
    [' TRUE ', 1],
    ['2', 2],
    ['10', 10],
  ])('reads %j as %i trusted proxies', (value, proxies) => {
    expect(trustedProxiesFromEnv({ LEEWAY_TRUST_PROXY: value })).toBe(proxies)
  })

  it.each(['yes', '-1', '1.5', '11', '1,2', '0x1'])(
    'Should not start with %j - it names no number of proxies, and a guess would let clients choose their address',
    (value) => {
      expect(() => trustedProxiesFromEnv({ LEEWAY_TRUST_PROXY: value })).toThrow(ConfigError)
    },
  )
})
