import { ConfigError } from './ConfigError.ts'

/**
 * `LEEWAY_SERVE_APP`: `0` or `false` serves the API only, for a vendor whose app lives on its own
 * origin: no build at start, no page (neither the demo app nor the admin dashboard, which is built
 * with it). Unset, empty, `1` or `true`: the app and the dashboard too. Anything else stops the
 * server at start, rather than guess which of the two was meant.
 */
export function serveAppFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.LEEWAY_SERVE_APP?.trim().toLowerCase() ?? ''
  if (value === '' || value === '1' || value === 'true') return true
  if (value === '0' || value === 'false') return false
  throw new ConfigError('LEEWAY_SERVE_APP must be 0 or false (the API only), or 1 or true')
}
