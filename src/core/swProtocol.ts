import type { ApiErrorDetails } from './api.ts'
import type { LicenseState } from './licenseState.ts'

// The contract between the page and the service worker: virtual endpoints, broadcast messages and
// page-to-worker messages. Types, constants and the endpoints' paths, so both sides share one
// definition.

/** Where the virtual endpoints live unless the worker and the client are both told otherwise. */
export const DEFAULT_ENDPOINT_BASE = '/_license/'

const ENDPOINT_NAMES = {
  state: 'state',
  activate: 'activate',
  requestCode: 'request-code',
  import: 'import',
  recheck: 'recheck',
  deactivate: 'deactivate',
  telemetry: 'telemetry',
  /** A grant and a fresh proof, for the app's own online features that its server checks. */
  proof: 'proof',
  /** Floating licenses (#15): take a lease now ("Try again"). */
  lease: 'lease',
  /** Floating licenses: hold a slot for offline work until `until`. */
  borrow: 'borrow',
  /** Floating licenses: give the slot back (a borrow early); queued while offline. */
  giveBack: 'give-back',
} as const

/** The virtual endpoints' paths, by name. */
export type LicenseEndpoints = { readonly [Name in keyof typeof ENDPOINT_NAMES]: string }

/**
 * The virtual endpoints under `base`, a path of this origin such as `/_license/` (the default).
 * The worker and the page client must be given the same base.
 * @example licenseEndpoints('/acme-license/').state // '/acme-license/state'
 */
export function licenseEndpoints(base: string = DEFAULT_ENDPOINT_BASE): LicenseEndpoints {
  const prefix = endpointBase(base)
  const entries = Object.entries(ENDPOINT_NAMES).map(([name, path]) => [name, prefix + path])
  return Object.freeze(Object.fromEntries(entries) as LicenseEndpoints)
}

/**
 * `base` checked and with its closing slash: a path of this origin below its root (every request
 * under it is the worker's), no query, no fragment.
 */
export function endpointBase(base: string): string {
  const path = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%-][A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(base)
  // `//host/` names another origin; `.` and `..` segments change once the browser resolves them.
  if (!path || base.includes('//') || /\/\.\.?(?:\/|$)/.test(base))
    throw new TypeError(`endpoint base ${JSON.stringify(base)} is not a path such as "/_license/"`)
  return base.endsWith('/') ? base : `${base}/`
}

/** The virtual endpoints at their default paths (`/_license/state`, …). */
export const LICENSE_ENDPOINTS = licenseEndpoints()

/**
 * The query of the first state request of a page load (`GET /_license/state?start=1`): the worker
 * counts an app start (opt-in telemetry). Counted here, not from the navigation, so that no other
 * fetch listener answering the navigation first (Workbox's precache) can keep it from the worker.
 */
export const APP_START_PARAM = 'start'

/**
 * Sent with every POST to the worker's endpoints, beside `Content-Type: application/json`. A page
 * of another site can make the browser post a form here (a navigation, which the worker sees like
 * the app's own calls), but no form or cross-site request can add a header of its own.
 */
export const LICENSE_REQUEST_HEADER = 'X-Leeway-Request'

/** How long the worker waits for the license server before it counts as unreachable, by default. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

/** The Background Sync (and Periodic Background Sync) tag that wakes the worker to re-check. */
export const SYNC_TAG = 'leeway-recheck'

/** The channel every state change is broadcast on, to every tab, unless both sides name another. */
export const BROADCAST_CHANNEL = 'leeway'

/** Broadcast by the worker after every state change. */
export interface StateMessage {
  type: 'state'
  state: ServedLicenseState
}

/**
 * Messages the page posts to the worker. (When to switch to a waiting new version is the app's
 * own policy, not Leeway's: the demo's worker takes Workbox's `SKIP_WAITING` itself.)
 */
export type PageMessage =
  /** The page saw the browser come back online: re-check now if one is due or failed. */
  | { type: 'online' }
  /**
   * The page was shown again (a resumed app, a tab brought back): re-check if one is due, within
   * the backoff. iOS resumes an app without any network event.
   */
  | { type: 'visible' }
  /**
   * The app is open (sent every so often while a floating license is in use): renew the lease
   * when it is half gone, or take one when none is held.
   */
  | { type: 'in-use' }
  /**
   * A page is going away (`pagehide`): when no other window of the app is left, the lease goes
   * back, so a colleague need not wait for it to lapse. A borrow is kept.
   */
  | { type: 'closing' }

/**
 * The codes of the worker's own failures, beside the server's (`license_key_invalid`, …) that it
 * passes on. The worker says no words of its own: the page has words for each of these.
 */
export const WORKER_ERROR_CODES = [
  /** The license server could not be reached. */
  'offline',
  /** The license server answered 5xx. */
  'server_error',
  /** Something else answered in its place (a captive portal, a proxy) or changed the answer. */
  'interference',
  /**
   * The license server is on another origin and does not allow this one (CORS): the request failed
   * while the server's origin answers one that needs no CORS. A proxy's error page without CORS
   * headers, in front of a server that is down, looks the same.
   */
  'cors_blocked',
  /**
   * A license server answered this very request, for this device, with a grant that its own
   * signing key signed, but the pinned root certified none of its keys: the app was built with
   * another root key than the server's. Nothing of the answer is kept.
   */
  'root_key_mismatch',
  /** A license (a grant, a license file) for another product than the one the worker serves. */
  'product_mismatch',
  /** The license server answered 429. */
  'rate_limited',
  /** A request the worker cannot take: a field missing, a wrong method, text not a license file. */
  'bad_request',
  /** A license file not signed by the vendor, or not for this device. */
  'grant_invalid',
  /** A license file no newer than the license this device holds. */
  'older_license',
  /** This device holds no license to act on. */
  'not_activated',
  /** A lease, borrow or give-back asked of a license that is not floating (#15). */
  'not_floating',
  /** A queued deactivation was dropped: the license it would have freed is gone from the device. */
  'deactivation_dropped',
  /** The browser does not let the worker use IndexedDB (private mode, full storage). */
  'store_unavailable',
  /**
   * A page load of a license endpoint, a POST without JSON and `X-Leeway-Request`, or a proof
   * asked for one of the license server's device endpoints.
   */
  'forbidden_request',
  /** No license endpoint at that path. */
  'not_found',
  /** A bug of the worker's. */
  'internal',
] as const

export type WorkerErrorCode = (typeof WORKER_ERROR_CODES)[number]

/** A failure as the worker reports it: a code, never words of the worker's own. */
export interface WorkerError {
  /** A `WorkerErrorCode`, or the license server's own code passed on. */
  code: string
  /** The license server's own message, passed on beside its code; absent for the worker's codes. */
  detail?: string
  /** The license server's structured details (e.g. `{ seats }`), passed on as it sent them. */
  details?: ApiErrorDetails
  /** An action's failure: trying again makes sense only after this (Retry-After), epoch ms. */
  retryAt?: number
}

/** What every license endpoint answers on failure, with the HTTP status that fits. */
export interface WorkerErrorBody {
  error: WorkerError
}

/** The answer of `GET /_license/request-code`. */
export interface RequestCodeResponse {
  requestCode: string
  deviceId: string
  createdAt: number
}

/** The answer of `POST /_license/proof`: send both to a server that verifies them like a re-check. */
export interface HolderProofResponse {
  grant: string
  proof: string
}

/** What `GET /_license/state` answers: the evaluated state plus what the worker knows of its checks. */
export interface ServedLicenseState extends LicenseState {
  /** A deactivation is queued and will complete when the server is reachable. */
  pendingDeactivation: boolean
  /** When the last re-check attempt ended, epoch ms. */
  lastCheckAt: number | null
  /** Why the last check or a queued deactivation failed: a code, and the server's words if its own. */
  lastCheckError: WorkerError | null
  /** No automatic re-check before this time (backoff or the server's Retry-After), epoch ms. */
  retryAt: number | null
  /** The `kid` of the signing key that signed the stored grant, for support and diagnostics. */
  keyId: string | null
}
