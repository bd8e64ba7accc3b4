import type { PageMessage } from '../core/index.ts'

/**
 * Tells the worker that controls this page each time the page is shown again, so a re-check that
 * fell due while it was hidden runs now: iOS resumes an app with no network event, and its timers
 * did not run meanwhile. The worker keeps its backoff. Returns a function that stops it.
 */
export function forwardVisibleEvents(): () => void {
  const forward = () => {
    if (document.visibilityState !== 'visible') return
    const message: PageMessage = { type: 'visible' }
    navigator.serviceWorker?.controller?.postMessage(message)
  }
  document.addEventListener('visibilitychange', forward)
  return () => document.removeEventListener('visibilitychange', forward)
}
