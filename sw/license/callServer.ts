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
      /** Why, where the worker can tell more than `connectivity` says. */
      code?: 'cors_blocked'
    }

export interface CallOptions {
  fetch: typeof fetch
  timeoutMs: number
  now: () => number
  /**
   * For a server on another origin: asked after a request that failed (not one that timed out)
   * whether that origin answers a request that needs no CORS (see `answersWithoutCors`).
   */
  corsProbe?: () => Promise<boolean>
}

/**
 * POSTs JSON to the license server and sorts the answer. A network error or a timeout is
 * `offline`; 5xx and 429 are `server-error`; anything that is not our JSON is `interference`. A
 * server on another origin that does not allow ours (CORS) is `server-error`, `cors_blocked`.
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
  } catch (error) {
    // A CORS refusal and a network error reject alike, with a TypeError; a timeout is a DOMException.
    if (error instanceof TypeError && (await options.corsProbe?.()) === true)
      return {
        kind: 'unreachable',
        connectivity: 'server-error',
        retryAt: null,
        code: 'cors_blocked',
      }
    return { kind: 'unreachable', connectivity: 'offline', retryAt: null }
  }
  try {
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

/**
 * Whether the origin of `url` answers at all, asked with a request that needs no CORS (`no-cors`,
 * no credentials): the browser resolves it (with an opaque answer) whenever a server answers, and
 * rejects it only when nothing does. After a CORS request to the same origin failed, a yes means
 * the server is there but its answer was withheld from us: most likely its CORS setup does not
 * allow our origin. It cannot tell that from a proxy that answers for a server that is down with an
 * error page without CORS headers, nor from a network that came back between the two requests.
 */
export async function answersWithoutCors(
  url: string,
  options: Pick<CallOptions, 'fetch' | 'timeoutMs'>,
): Promise<boolean> {
  try {
    await options.fetch(url, {
      mode: 'no-cors',
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    return true
  } catch {
    return false
  }
}
