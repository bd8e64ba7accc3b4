import type { ApiErrorDetails } from '../../core/index.ts'

/**
 * A failed admin API call: the server's `{error: {code, message}}`, or `network` when the server
 * could not be reached, or `unexpected` for an answer that is not the API's JSON.
 */
export class AdminApiError extends Error {
  readonly code: string
  /** The HTTP status; 0 when no answer came. */
  readonly status: number
  readonly details: ApiErrorDetails | undefined

  constructor(code: string, message: string, status: number, details?: ApiErrorDetails) {
    super(message)
    this.name = 'AdminApiError'
    this.code = code
    this.status = status
    this.details = details
  }

  /** The route does not exist on this server (an older version without that part of the API). */
  get missingRoute(): boolean {
    return this.code === 'not_found' && this.details !== undefined && 'route' in this.details
  }
}
