import type { Remediation, RemediationCode } from './licenseState.ts'

// Plain words for the user; the app may replace them with its own, keyed by code.
const TEXT: Record<RemediationCode, string> = {
  activate: 'Enter your license key to activate this device.',
  reactivate:
    'The license stored on this device could not be read. Activate again with your license key; this does not use another seat.',
  connect: 'Connect to the internet so your license can be checked.',
  fix_clock:
    "Your device's clock seems to be set in the past. Correct it, or connect to the internet.",
  renew: 'Renew your subscription, then check again.',
  export_now: 'Export your work before the remaining features stop.',
  contact_vendor: 'Contact the vendor about this license.',
  allow_storage:
    'This browser is not letting the app keep its license (private browsing, or storage full or turned off). Allow site storage, or use a regular window.',
  take_lease: 'Try again: a license frees up when someone closes the app.',
  retry_later:
    'The license server is having trouble. Your app keeps working; it will check again by itself.',
}

// Connected already, "or connect" is no advice: only the clock itself is left to correct.
const FIX_CLOCK_ONLINE =
  "Your device's clock seems to be set in the past. Correct its date and time, then check again."

/** The remediation step for `code`, in plain words; `online`: the server was reachable just now. */
export function remediation(code: RemediationCode, online = false): Remediation {
  return { code, text: code === 'fix_clock' && online ? FIX_CLOCK_ONLINE : TEXT[code] }
}
