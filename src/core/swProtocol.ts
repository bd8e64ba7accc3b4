import type { LicenseState } from './licenseState.ts'

// The contract between the page and the service worker: virtual endpoints, broadcast messages and
// page-to-worker messages. Types and constants only, so both sides share one definition.

/** The virtual endpoints, answered by the service worker, never by the network. */
export const LICENSE_ENDPOINTS = {
  state: '/_license/state',
  activate: '/_license/activate',
  requestCode: '/_license/request-code',
  import: '/_license/import',
  recheck: '/_license/recheck',
  deactivate: '/_license/deactivate',
  telemetry: '/_license/telemetry',
  /** A grant and a fresh proof, for the app's own online features that its server checks. */
  proof: '/_license/proof',
} as const

/**
 * Sent with every POST to the worker's endpoints, beside `Content-Type: application/json`. A page
 * of another site can make the browser post a form here (a navigation, which the worker sees like
 * the app's own calls), but no form or cross-site request can add a header of its own.
 */
export const LICENSE_REQUEST_HEADER = 'X-Leeway-Request'

/** The Background Sync (and Periodic Background Sync) tag that wakes the worker to re-check. */
export const SYNC_TAG = 'leeway-recheck'

/** The channel every state change is broadcast on, to every tab. */
export const BROADCAST_CHANNEL = 'leeway'

/** Broadcast by the worker after every state change. */
export interface StateMessage {
  type: 'state'
  state: ServedLicenseState
}

/** Messages the page posts to the worker. */
export type PageMessage =
  /** The page saw the browser come back online: re-check now if one is due or failed. */
  | { type: 'online' }
  /** The user accepted a waiting new version. */
  | { type: 'SKIP_WAITING' }

/** Error codes the worker itself answers with, beside the server's (`license_key_invalid`, …). */
export type WorkerErrorCode =
  | 'offline'
  | 'server_error'
  | 'interference'
  | 'bad_request'
  | 'grant_invalid'
  | 'not_activated'
  | 'store_unavailable'
  /** A navigation to a license endpoint, or a POST without JSON and `X-Leeway-Request`. */
  | 'forbidden_request'

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
  /** What the server said when it refused the last check (its code and message). */
  lastCheckError: { code: string; message: string } | null
  /** No automatic re-check before this time (backoff or the server's Retry-After), epoch ms. */
  retryAt: number | null
  /** The `kid` of the signing key that signed the stored grant, for support and diagnostics. */
  keyId: string | null
}
