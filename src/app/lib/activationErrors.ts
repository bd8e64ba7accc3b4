import type { WorkerError } from 'leeway/core'
import { formatTime, latestAt } from './format.ts'
import { workerErrorText } from './workerErrors.ts'

/** What the user reads when activation fails, and whether to offer offline activation. */
export interface ActivationError {
  message: string
  help: string | null
  offerOffline: boolean
}

/** Plain words for the worker's and the server's error codes (src/core/swProtocol.ts, api.ts). */
export function activationError(error: WorkerError): ActivationError {
  const plain = (message: string, help: string | null = null, offerOffline = false) => ({
    message,
    help,
    offerOffline,
  })
  const later = (otherwise: string) =>
    error.retryAt === undefined ? otherwise : `Try again after ${formatTime(error.retryAt)}.`
  switch (error.code) {
    case 'license_key_invalid':
      return plain(
        'That license key was not recognised.',
        'Check it for typos: it is in the e-mail or account page where you bought Leeway Notes. Letters and dashes both count.',
      )
    case 'seat_limit_reached': {
      const seats = error.details && 'seats' in error.details ? error.details.seats : undefined
      return plain(
        seats === 1
          ? 'The one seat of this license is in use on another device.'
          : seats
            ? `All ${seats} seats of this license are in use.`
            : 'All seats of this license are in use.',
        'To free one, open Leeway Notes on a device you no longer use and choose “Deactivate this device” in its license panel (it works offline too), or ask your vendor to remove a device. Then try again.',
      )
    }
    case 'all_leases_in_use': {
      const details = error.details && 'nextFreeAt' in error.details ? error.details : undefined
      return plain(
        details
          ? `${details.maxConcurrent === 1 ? 'The one license of your team is' : `All ${details.maxConcurrent} licenses of your team are`} in use; one frees up when someone closes Leeway Notes, ${latestAt(details.nextFreeAt)}.`
          : 'All licenses of your team are in use.',
        details && details.waitingAhead > 0
          ? `This device has not taken a license, and ${details.waitingAhead === 1 ? 'one colleague is' : `${details.waitingAhead} colleagues are`} waiting for one before it. Try again later, or ask a colleague who is done to close the app.`
          : 'This device has not taken a license: try again in a moment, or ask a colleague who is done to close the app.',
      )
    }
    case 'product_mismatch':
      // The key is a good one, for another product of the vendor's (details.product names it).
      return plain(
        'That license key is for another product.',
        'Check that you entered the key for Leeway Notes: if you bought more than one product, each has a key of its own.',
      )
    case 'offline':
      return plain(
        "You're offline, so the key cannot be checked now.",
        'Connect to the internet and try again, or activate offline with a request code.',
        true,
      )
    case 'interference':
      return plain(
        'Something on this network answered instead of the license server.',
        'If this is a hotel or café Wi-Fi, sign in to it in a new tab, then try again. Or activate offline with a request code.',
        true,
      )
    case 'server_error':
      return plain(
        error.retryAt === undefined
          ? 'The license server is having trouble.'
          : 'The license server is busy.',
        later('Try again in a few minutes.'),
        true,
      )
    case 'rate_limited':
      return plain(
        'Too many activation attempts for this license.',
        later('Wait a minute, then try again.'),
      )
    case 'license_revoked':
      return plain('This license has been revoked.', 'Contact the vendor about this license.')
    case 'license_suspended':
      return plain('This license is suspended.', 'Contact the vendor to restore it.')
    case 'license_expired':
      return plain('This license has ended.', 'Renew your subscription, then activate again.')
    case 'conflict':
      // The server refuses to move a seat held by this device id to another key (#11, item 3).
      return plain(
        'This device is already activated with another key.',
        'Deactivate it in the app on that device, or ask your vendor to remove it; then try again.',
      )
    case 'bad_request':
      return plain('Enter the license key you received.')
    case 'store_unavailable':
      return plain(
        'This browser is not letting Leeway Notes keep its license.',
        'Private browsing, or full storage? Use a normal window, or free some space.',
      )
    default:
      return plain(
        workerErrorText(error, 'Activation did not work.'),
        'Try again in a few minutes.',
      )
  }
}
