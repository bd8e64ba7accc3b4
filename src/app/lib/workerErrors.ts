import { WORKER_ERROR_CODES } from 'leeway/core'
import type { WorkerError, WorkerErrorCode } from 'leeway/core'
import { formatTime } from './format.ts'

/** Plain words for each failure of the worker's own: the worker sends the code, never words. */
export const WORKER_ERROR_TEXT: Record<WorkerErrorCode, string> = {
  offline: "You're offline. Connect to the internet, then try again.",
  server_error: 'The license server is having trouble. Try again in a few minutes.',
  interference:
    'Something on this network answered instead of the license server (a Wi-Fi sign-in page?). Sign in to the network, then try again.',
  cors_blocked:
    'The license server answered, but does not let this app read its answers (its setup does not name this app’s address, or a proxy answered for it). Tell the vendor; try again later.',
  root_key_mismatch:
    'The license server’s keys are not the ones this version of Leeway Notes trusts, so its answer was set aside. Tell the vendor: the app or the server needs updating.',
  product_mismatch:
    'This license is for another product, not Leeway Notes. Check that you used the right license key or file.',
  rate_limited: 'The license server is busy. Wait a minute, then try again.',
  bad_request: 'The license service could not take that request. Reload the page and try again.',
  grant_invalid:
    'This license file is not for this device, or was not signed by the vendor. Make a new one from this device’s request code.',
  older_license: 'This license file is not newer than the license already on this device.',
  not_activated: 'This device has no license.',
  not_floating: 'This license is not shared by a team, so there is nothing to borrow or give back.',
  deactivation_dropped:
    'The deactivation could not be sent: this device no longer holds a license.',
  store_unavailable:
    'This browser is not letting Leeway Notes keep its license (private browsing or full storage?).',
  forbidden_request:
    'The license service answers Leeway Notes itself only. Reload the page and try again.',
  not_found: 'The license service does not know that request. Reload the page to update the app.',
  internal: 'The license service hit an unexpected error. Reload the page and try again.',
}

// The client's own code, for a call that found no worker to answer it.
const NO_WORKER = 'The license service is not running yet; reload the page.'

export function isWorkerErrorCode(code: string): code is WorkerErrorCode {
  return (WORKER_ERROR_CODES as readonly string[]).includes(code)
}

/**
 * What the user reads for a failed call to the worker: the license server's own words where it
 * sent them, else the page's words for the worker's code, else `fallback`.
 */
export function workerErrorText(
  error: WorkerError,
  fallback = 'Something went wrong. Reload the page and try again.',
): string {
  if (error.detail !== undefined) return error.detail
  if (error.retryAt !== undefined)
    return `The license server is busy. Try again after ${formatTime(error.retryAt)}.`
  if (isWorkerErrorCode(error.code)) return WORKER_ERROR_TEXT[error.code]
  return error.code === 'no_worker' ? NO_WORKER : fallback
}

/** Why the last check failed: the server's words are quoted as its own. */
export function lastCheckErrorText(error: WorkerError): string {
  return error.detail !== undefined ? `The server said: ${error.detail}` : workerErrorText(error)
}
