import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** The stable error codes of the API (DESIGN.md); clients switch on these, never on messages. */
export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'license_key_invalid'
  | 'license_revoked'
  | 'license_expired'
  | 'license_suspended'
  | 'seat_limit_reached'
  | 'device_unknown'
  | 'proof_invalid'
  | 'grant_invalid'
  | 'rate_limited'
  | 'not_found'
  | 'conflict'
  | 'internal'

/** The one place where codes become HTTP statuses. */
export const codeToStatus: Record<ApiErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  license_key_invalid: 403,
  license_revoked: 403,
  license_expired: 403,
  license_suspended: 403,
  seat_limit_reached: 409,
  device_unknown: 404,
  proof_invalid: 401,
  grant_invalid: 401,
  rate_limited: 429,
  not_found: 404,
  conflict: 409,
  internal: 500,
}

/** An error meant for the client: its code and message are sent as `{ error: { code, message } }`. */
export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly status: ContentfulStatusCode
  readonly retryAfterSeconds: number | undefined

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { status?: ContentfulStatusCode; retryAfterSeconds?: number } = {},
  ) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = options.status ?? codeToStatus[code]
    this.retryAfterSeconds = options.retryAfterSeconds
  }

  toJSON(): { error: { code: ApiErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } }
  }
}
