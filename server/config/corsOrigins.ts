import { ConfigError } from './ConfigError.ts'

/**
 * `LEEWAY_CORS_ORIGINS`: the origins of the vendor's apps that may call the public API from another
 * origin, comma-separated (`https://app.example.com,http://localhost:5173`). Unset or empty: none,
 * the API answers its own origin only.
 */
export function corsOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  return parseCorsOrigins((env.LEEWAY_CORS_ORIGINS ?? '').split(','), 'LEEWAY_CORS_ORIGINS')
}

/**
 * Checks each entry of `entries` (blanks dropped) is an origin exactly as a browser sends it in
 * `Origin`: `http` or `https`, a host, a port only where not the default, no path, lower case. A
 * browser compares origins as text, so a trailing slash or a capital letter would silently match
 * nothing. `*`, wildcards and `null` (sandboxed frames, `file:` pages) are refused: license endpoints must not
 * be callable from any site. `setting` names where the entries came from, in the message.
 * @example parseCorsOrigins(['https://app.example.com'], '--cors-origin')
 */
export function parseCorsOrigins(entries: readonly string[], setting: string): readonly string[] {
  const origins = entries.map((entry) => entry.trim()).filter((entry) => entry !== '')
  for (const origin of origins) {
    if (origin.includes('*') || origin === 'null')
      throw new ConfigError(
        `${setting} must list the origins of your apps one by one, not ${origin}: license endpoints must not be callable from any site`,
      )
    const canonical = canonicalOrigin(origin)
    if (canonical !== origin)
      throw new ConfigError(
        `${setting}: "${origin}" is not an origin; write scheme://host[:port] as the browser sends it, like ${canonical ?? 'https://app.example.com'}`,
      )
  }
  return Object.freeze([...new Set(origins)])
}

// The origin a browser would send for `text`, or undefined if it names none over http(s).
function canonicalOrigin(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  return url.origin
}
