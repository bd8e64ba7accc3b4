import { ConfigError } from './ConfigError.ts'

const MAX_TRUSTED_PROXIES = 10

/**
 * `LEEWAY_TRUST_PROXY`: how many proxies you run in front of the server, each appending to
 * `X-Forwarded-For`. Unset, empty, `0` or `false`: none, the socket's address counts. `true` is the
 * `1` of earlier versions. Anything else stops the server at start: a typo here would silently let
 * every client choose its own address for the rate limits, or lump all clients behind one.
 */
export function trustedProxiesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.LEEWAY_TRUST_PROXY?.trim().toLowerCase() ?? ''
  if (value === '' || value === 'false') return 0
  if (value === 'true') return 1
  if (/^[0-9]{1,2}$/.test(value) && Number(value) <= MAX_TRUSTED_PROXIES) return Number(value)
  throw new ConfigError(
    `LEEWAY_TRUST_PROXY must be the number of proxies in front of the server (0 to ${MAX_TRUSTED_PROXIES}), or true for 1`,
  )
}
