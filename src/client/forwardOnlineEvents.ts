import type { PageMessage } from '../core/index.ts'

/**
 * Tells the worker that controls this page each time the browser comes back online, so a due or
 * failed re-check runs at once rather than at its next backoff. Returns a function that stops it.
 */
export function forwardOnlineEvents(): () => void {
  const forward = () => {
    const message: PageMessage = { type: 'online' }
    navigator.serviceWorker?.controller?.postMessage(message)
  }
  window.addEventListener('online', forward)
  return () => window.removeEventListener('online', forward)
}
