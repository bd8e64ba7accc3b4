import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ApiErrorCode } from '../../src/core/index.ts'

/** The one place where refusal codes become HTTP statuses: a code always travels with its status. */
export const STATUS_OF_CODE: Record<ApiErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  body_too_large: 413,
  unauthorized: 401,
  license_key_invalid: 403,
  license_revoked: 403,
  license_expired: 403,
  license_suspended: 403,
  // Like an unknown key: this key gives no right to this product. Not 409: no change of state on
  // the server (a freed seat, a retry) would ever let it through.
  product_mismatch: 403,
  seat_limit_reached: 409,
  // Like a full license: a release or a lapse elsewhere lets a retry through.
  all_leases_in_use: 409,
  device_unknown: 404,
  proof_invalid: 401,
  grant_invalid: 401,
  feature_not_entitled: 403,
  rate_limited: 429,
  not_found: 404,
  gone: 410,
  conflict: 409,
  internal: 500,
}
