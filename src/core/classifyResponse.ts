import { readApiError } from './api.ts'
import type { ApiErrorDetails } from './api.ts'
import type { Connectivity } from './licenseState.ts'

/** What a license-server answer is, before any signature is checked. */
export type ResponseClass =
  | { kind: 'json'; body: Record<string, unknown> }
  | {
      kind: 'api-error'
      connectivity: Connectivity
      code: string
      message: string
      details?: ApiErrorDetails
    }
  | { kind: 'unreachable'; connectivity: Connectivity }

/**
 * Sorts an HTTP answer from the license server. 5xx and 429 are server trouble; anything that is
 * not our JSON (a captive portal's login page with status 200, a proxy's error page, a body cut
 * short) is interference. None of these can change a license: only a signed grant can.
 */
export function classifyResponse(
  status: number,
  contentType: string | null,
  bodyText: string,
): ResponseClass {
  const isJson = contentType !== null && /^application\/json\s*(;|$)/i.test(contentType)
  const parsed = isJson ? parseJsonObject(bodyText) : null
  if (status === 429 || status >= 500) {
    return { kind: 'unreachable', connectivity: 'server-error' }
  }
  if (!parsed) return { kind: 'unreachable', connectivity: 'interference' }
  if (status >= 200 && status < 300) return { kind: 'json', body: parsed }
  const error = readApiError(parsed)
  if (status >= 400 && error) {
    return {
      kind: 'api-error',
      connectivity: 'online',
      code: error.code,
      message: error.message || error.code,
      ...(error.details ? { details: error.details } : {}),
    }
  }
  return { kind: 'unreachable', connectivity: 'interference' }
}

/** Parses text that should hold a JSON object; null for anything else (an array, a number, garbage). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}
