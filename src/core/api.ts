import type { PublicJwk } from './keys.ts'

// The wire contract of the license server's public API (`/api/v1`): what devices and the demo app
// send and get back, and the error every refusal is. Types only: the server's answers `satisfies`
// them, and the worker, the page and the tests read them, so the two sides cannot drift apart.
// The admin API's shapes are in adminApi.ts; the worker's own endpoints in swProtocol.ts.

/** The public API's paths on the license server. */
export const API_PATHS = {
  activate: '/api/v1/activate',
  validate: '/api/v1/validate',
  deactivate: '/api/v1/deactivate',
  offlineActivate: '/api/v1/offline/activate',
  keys: '/api/v1/keys',
  /** Where shares are created; a share's own path (to read or stop it) is this, `/` and its id. */
  shares: '/api/v1/shares',
  /** Floating licenses (#15): take or renew a lease, borrow a slot, release or return it. */
  lease: '/api/v1/lease',
  leaseBorrow: '/api/v1/lease/borrow',
  leaseRelease: '/api/v1/lease/release',
} as const

/** The stable error codes of the API: clients switch on these (and `details`), never on messages. */
export type ApiErrorCode =
  | 'bad_request'
  /** The body is larger than the endpoint takes. */
  | 'body_too_large'
  | 'unauthorized'
  | 'license_key_invalid'
  | 'license_revoked'
  | 'license_expired'
  | 'license_suspended'
  /**
   * The key is a license for another product than the one the device asked for (`product` in an
   * activation): taking a seat with it would put a grant for that other product on the device.
   */
  | 'product_mismatch'
  | 'seat_limit_reached'
  /** Every slot of a floating license is held by a live lease; nothing was taken. */
  | 'all_leases_in_use'
  | 'device_unknown'
  | 'proof_invalid'
  | 'grant_invalid'
  /** The license is in good standing, but its plan does not include the feature asked for. */
  | 'feature_not_entitled'
  | 'rate_limited'
  | 'not_found'
  /** It existed and no longer does (a shared note past its time, or of a license gone bad). */
  | 'gone'
  | 'conflict'
  | 'internal'

/** Why a `conflict` was refused. */
export type ConflictReason =
  /** The device id holds a seat under another device key (#11, item 3). */
  | 'device_key_conflict'
  /** The license already shares as much as it may. */
  | 'share_quota'
  /** Key rotation through the API needs the root private key, which is not on this server. */
  | 'root_key_absent'
  /** A lease or a borrow asked of a node-locked license. */
  | 'not_floating'
  /** Offline activation of a floating license: it would give a term-long grant; borrow instead. */
  | 'floating_license'
  /** An online feature asked by a device of a floating license that holds no live lease. */
  | 'no_lease'

/**
 * What some refusals carry beside their code, for a client to act on or to say in its own words.
 * A code not listed here carries no details.
 */
export interface ApiErrorDetailsByCode {
  seat_limit_reached: { seats: number }
  /**
   * `nextFreeAt` (epoch ms): the earliest end of a live lease; a slot may free sooner on release.
   * `waitingAhead`: devices in line before this one, which get the next free slots first.
   */
  all_leases_in_use: { maxConcurrent: number; nextFreeAt: number; waitingAhead: number }
  /** The product the key is a license for. */
  product_mismatch: { product: string }
  rate_limited: { retryAfterSeconds: number }
  conflict: { reason: ConflictReason }
  /** Only when no route matched: the client may be talking to an older server. */
  not_found: { route: string }
}

export type ApiErrorDetails<C extends ApiErrorCode = ApiErrorCode> =
  C extends keyof ApiErrorDetailsByCode ? ApiErrorDetailsByCode[C] : never

/** Every refusal's body. `message` is for developers and logs; users get words from the code. */
export interface ApiErrorBody<C extends ApiErrorCode = ApiErrorCode> {
  error: { code: C; message: string; details?: ApiErrorDetails<C> }
}

/** A device as it introduces itself when it activates. */
export interface DeviceDescription {
  id: string
  name: string
  platform: string
  publicKey: PublicJwk
}

/** `POST /api/v1/activate`. */
export interface ActivateRequest {
  licenseKey: string
  device: DeviceDescription
  /** Echoed in the grant, so the device can tell this answer from an old one replayed. */
  nonce?: string
  /** The product the device runs (its grants' `aud`); another product's key is `product_mismatch`. */
  product?: string
}

/** A grant, the certificates that verify it, and the server's clock (epoch ms). */
export interface GrantResponse {
  grant: string
  certs: string[]
  serverTime: number
}

/** A grant and its device's fresh proof of possession, made for the request that carries them. */
export interface HolderCheck {
  grant: string
  proof: string
}

/** `POST /api/v1/validate`: up to 100 checks; `telemetry` is a device's opt-in daily report. */
export interface ValidateRequest {
  checks: HolderCheck[]
  telemetry?: unknown
}

/** One check's outcome: a fresh grant or a refusal, never both. */
export type CheckResult = { ok: true; grant: string } | { ok: false; error: ApiErrorBody['error'] }

export interface ValidateResponse {
  /** One per check, in the order sent. */
  results: CheckResult[]
  certs: string[]
  serverTime: number
  /** Present when a report was sent: accepted reports name their UTC day, so the device clears it. */
  telemetry?: { accepted: true; day: string } | { accepted: false }
}

/** `POST /api/v1/deactivate` takes a `HolderCheck` and answers a signed revocation as a `GrantResponse`. */
export type DeactivateRequest = HolderCheck

/** `POST /api/v1/lease` and `POST /api/v1/lease/release` take a `HolderCheck`; each answers a `GrantResponse`. */
export type LeaseRequest = HolderCheck

/** `POST /api/v1/lease/borrow`: hold a slot until `until` (epoch ms, at most `maxBorrow` ahead). */
export interface BorrowRequest extends HolderCheck {
  until: number
}

/** `POST /api/v1/offline/activate`: an air-gapped device's request code in, a license file out. */
export interface OfflineActivateRequest {
  licenseKey: string
  requestCode: string
  /** The product the license file is for; another product's key is `product_mismatch`. */
  product?: string
}

export interface OfflineActivateResponse {
  /** The license file (JSON text) the device imports. */
  licenseFile: string
}

/** `GET /api/v1/keys`: the signing-key certificates valid now. */
export interface KeysResponse {
  certs: string[]
  serverTime: number
}

/** `POST /api/v1/shares`: a read-only copy of a note, for a license that entitles `share.link`. */
export interface CreateShareRequest extends HolderCheck {
  title: string
  body: string
}

/** A shared note as its readers get it (`GET /api/v1/shares/:id`). */
export interface SharedNote {
  id: string
  title: string
  body: string
  createdAt: number
  expiresAt: number
}

/** The answer to creating a share: the note and the page path that shows it. */
export interface CreatedShare extends SharedNote {
  url: string
}

/** Reads an API error body from any JSON value; undefined when it is not one. */
export function readApiError(body: unknown): ApiErrorBody['error'] | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined
  const error: unknown = body.error
  if (typeof error !== 'object' || error === null) return undefined
  if (!('code' in error) || typeof error.code !== 'string') return undefined
  const message = 'message' in error && typeof error.message === 'string' ? error.message : ''
  const details =
    'details' in error && typeof error.details === 'object' && error.details !== null
      ? error.details
      : undefined
  return {
    code: error.code as ApiErrorCode,
    message,
    ...(details ? { details: details as ApiErrorDetails } : {}),
  }
}
