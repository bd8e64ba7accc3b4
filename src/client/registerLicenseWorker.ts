import { Workbox } from 'workbox-window'
import type { LicenseClient } from './createLicenseClient.ts'

type UpdateListener = (apply: () => void) => void

/**
 * Why no worker can run for this page: `unsupported`, the browser offers no service workers here
 * (some private windows, insecure origins, a policy); `refused`, registering failed (a policy,
 * storage turned off, a blocking extension).
 */
export type WorkerUnavailable = 'unsupported' | 'refused'
type UnavailableListener = (reason: WorkerUnavailable, error?: unknown) => void

export interface LicenseWorkerHandle {
  /** Called when a new version is installed and waiting; `apply` switches to it and reloads. */
  onUpdateReady(listener: UpdateListener): void
  /** Called, at once if already known, when no license worker can run for this page. */
  onUnavailable(listener: UnavailableListener): void
}

/**
 * Registers the service worker with workbox-window and attaches `client` to it: for an app that
 * has no registration of its own (the demo). The first page load is not controlled until the
 * worker claims it; the client asks again when it does. A new version waits until the user
 * accepts it (the worker takes `SKIP_WAITING`), and the license, kept in IndexedDB, is untouched
 * by the switch.
 */
export function registerLicenseWorker(
  client: LicenseClient,
  scriptUrl = '/sw.js',
): LicenseWorkerHandle {
  const listeners = new Set<UpdateListener>()
  const unavailableListeners = new Set<UnavailableListener>()
  let unavailable: { reason: WorkerUnavailable; error?: unknown } | undefined
  const fail = (reason: WorkerUnavailable, error?: unknown) => {
    unavailable = { reason, error }
    for (const listener of unavailableListeners) listener(reason, error)
  }
  let waiting: (() => void) | undefined
  const handle: LicenseWorkerHandle = {
    onUpdateReady(listener) {
      listeners.add(listener)
      if (waiting) listener(waiting)
    },
    onUnavailable(listener) {
      unavailableListeners.add(listener)
      if (unavailable) listener(unavailable.reason, unavailable.error)
    },
  }
  client.start()
  if (!('serviceWorker' in navigator) || !navigator.serviceWorker) {
    fail('unsupported')
    return handle
  }

  const workbox = new Workbox(scriptUrl)
  workbox.addEventListener('waiting', () => {
    waiting = () => {
      workbox.addEventListener('controlling', () => window.location.reload())
      workbox.messageSkipWaiting()
    }
    for (const listener of listeners) listener(waiting)
  })
  // A refused registration must reach the app as a reason, not as an unhandled rejection: Workbox
  // rejects with whatever `register()` threw, or reads `.waiting` of nothing when a stubbed
  // `register()` resolved without a registration.
  workbox.register().then(
    (registration) => {
      if (registration) client.attach(registration)
      else fail('refused')
    },
    (error: unknown) => fail('refused', error),
  )

  return handle
}
