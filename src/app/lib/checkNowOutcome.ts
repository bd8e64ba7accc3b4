import type { ServedLicenseState } from 'leeway/core'
import { formatTime } from './format.ts'
import { isWorkerErrorCode, lastCheckErrorText, workerErrorText } from './workerErrors.ts'

/**
 * What "Check now" says after the worker tried. The connection decides first: offline is said as
 * offline even while a backoff delays the next automatic check, since the user's step is to
 * reconnect, not to wait for the server.
 */
export function checkNowOutcome(after: ServedLicenseState, now: number): string {
  switch (after.connectivity) {
    case 'online':
      if (after.lastCheckError)
        return `Checked just now. ${lastCheckErrorText(after.lastCheckError)}`
      return after.status === 'active'
        ? 'Checked just now. Your license is up to date.'
        : 'Checked just now. The status above is current.'
    case 'offline':
      return "Could not check: you're offline. Nothing changes; it checks again when you reconnect."
    case 'interference':
      return 'Could not check: something on this network answered instead of the license server (a Wi-Fi sign-in page?).'
    case 'server-error': {
      // A finding of the worker's own (no words of the server's): the vendor's setup rather than
      // the server's health (cors_blocked, root_key_mismatch).
      const finding = after.lastCheckError?.detail === undefined ? after.lastCheckError : null
      if (finding && isWorkerErrorCode(finding.code))
        return `Could not check. ${workerErrorText(finding)}`
      if (after.retryAt !== null && after.retryAt > now)
        return `Could not check: the license server is busy. Leeway Notes will check again at ${formatTime(after.retryAt)}.`
      return 'Could not check: the license server is having trouble. It tries again by itself.'
    }
  }
}
