/**
 * A failed admin API call: the server's `{error: {code, message}}`, or `network` when the server
 * could not be reached, or `unexpected` for an answer that is not the API's JSON.
 */
export class AdminApiError extends Error {
  readonly code: string
  /** The HTTP status; 0 when no answer came. */
  readonly status: number

  constructor(code: string, message: string, status: number) {
    super(message)
    this.name = 'AdminApiError'
    this.code = code
    this.status = status
  }

  /** The route does not exist on this server (an older version without that part of the API). */
  get missingRoute(): boolean {
    return this.status === 404 && this.code === 'not_found' && this.message.startsWith('no route')
  }
}
