import { classifyResponse, retryAfterUntil } from '../../src/core/index.ts'
import type { ApiErrorDetails, Connectivity } from '../../src/core/index.ts'

export type ServerAnswer =
  | { kind: 'ok'; body: Record<string, unknown> }
  | {
      kind: 'api-error'
      status: number
      code: string
      message: string
      details?: ApiErrorDetails | undefined
      retryAt: number | null
    }
  | {
      kind: 'unreachable'
      connectivity: Connectivity
      retryAt: number | null
      /** The HTTP status, when an answer came at all. */
      status?: number
    }

export interface CallOptions {
  fetch: typeof fetch
  timeoutMs: number
  now: () => number
}

/**
 * POSTs JSON to the license server and sorts the answer. A network error or a timeout is
 * `offline`; 5xx and 429 are `server-error`; anything that is not our JSON is `interference`.
 */
export async function callServer(
  url: string,
  body: unknown,
  options: CallOptions,
): Promise<ServerAnswer> {
  let response: Response
  let text: string
  try {
    response = await options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
      // A captive portal answers with a redirect to its login page: never follow it.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    text = await response.text()
  } catch {
    return { kind: 'unreachable', connectivity: 'offline', retryAt: null }
  }
  if (response.type === 'opaqueredirect')
    return { kind: 'unreachable', connectivity: 'interference', retryAt: null }
  // Retry-After is the server's word only on 429 and 5xx; a login page's header means nothing.
  const honoursRetryAfter = response.status === 429 || response.status >= 500
  const retryAt = honoursRetryAfter
    ? retryAfterUntil(response.headers.get('retry-after'), options.now())
    : null
  const sorted = classifyResponse(response.status, response.headers.get('content-type'), text)
  if (sorted.kind === 'json') return { kind: 'ok', body: sorted.body }
  if (sorted.kind === 'api-error') {
    return {
      kind: 'api-error',
      status: response.status,
      code: sorted.code,
      message: sorted.message,
      details: sorted.details,
      retryAt,
    }
  }
  return {
    kind: 'unreachable',
    connectivity: sorted.connectivity,
    retryAt,
    status: response.status,
  }
}
