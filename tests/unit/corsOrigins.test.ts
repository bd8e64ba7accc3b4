import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../server/config/ConfigError.ts'
import { corsOriginsFromEnv, parseCorsOrigins } from '../../server/config/corsOrigins.ts'

// Issue #13: the origins of a vendor's apps that may call the public API from another origin.
describe('LEEWAY_CORS_ORIGINS', () => {
  it('lists exact origins, commas between, blanks and repeats dropped; unset is none', () => {
    expect(
      corsOriginsFromEnv({
        LEEWAY_CORS_ORIGINS:
          ' https://app.example.com, http://localhost:5173,,https://app.example.com ',
      }),
    ).toEqual(['https://app.example.com', 'http://localhost:5173'])
    expect(corsOriginsFromEnv({})).toEqual([])
    expect(corsOriginsFromEnv({ LEEWAY_CORS_ORIGINS: ' ' })).toEqual([])
    expect(corsOriginsFromEnv({ LEEWAY_CORS_ORIGINS: 'http://[::1]:8080' })).toEqual([
      'http://[::1]:8080',
    ])
  })

  it.each(['*', 'https://app.example.com,*', 'https://*.example.com', 'null'])(
    'Should not let any site call the license endpoints: %s stops the server at start',
    (value) => {
      const read = () => corsOriginsFromEnv({ LEEWAY_CORS_ORIGINS: value })
      expect(read).toThrow(ConfigError)
      expect(read).toThrow(
        /^LEEWAY_CORS_ORIGINS must list the origins of your apps one by one, not \S+: license endpoints must not be callable from any site$/,
      )
    },
  )

  it.each([
    ['a trailing slash', 'https://app.example.com/', 'https://app.example.com'],
    ['a path', 'https://app.example.com/app', 'https://app.example.com'],
    ['capitals', 'https://App.Example.com', 'https://app.example.com'],
    ['the default port', 'https://app.example.com:443', 'https://app.example.com'],
    ['no scheme', 'app.example.com', 'https://app.example.com'],
    ['another scheme', 'ftp://app.example.com', 'https://app.example.com'],
    ['a user name', 'https://me@app.example.com', 'https://app.example.com'],
  ])(
    'Should not take an origin with %s, which no browser sends: the message shows the form',
    (_what, value, shown) => {
      const read = () => parseCorsOrigins([value], '--cors-origin')
      expect(read).toThrow(ConfigError)
      expect(read).toThrow(
        `--cors-origin: "${value}" is not an origin; write scheme://host[:port] as the browser sends it, like ${shown}`,
      )
    },
  )
})
