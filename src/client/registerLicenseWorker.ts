import { Workbox } from 'workbox-window'
import type { LicenseClient } from './createLicenseClient.ts'

type UpdateListener = (apply: () => void) => void

export interface LicenseWorkerHandle {
  /** Called when a new version is installed and waiting; `apply` switches to it and reloads. */
  onUpdateReady(listener: UpdateListener): void
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
  let waiting: (() => void) | undefined
  client.start()
  if (!('serviceWorker' in navigator)) return { onUpdateReady: () => undefined }

  const workbox = new Workbox(scriptUrl)
  workbox.addEventListener('waiting', () => {
    waiting = () => {
      workbox.addEventListener('controlling', () => window.location.reload())
      workbox.messageSkipWaiting()
    }
    for (const listener of listeners) listener(waiting)
  })
  void workbox.register().then((registration) => {
    if (registration) client.attach(registration)
  })

  return {
    onUpdateReady(listener) {
      listeners.add(listener)
      if (waiting) listener(waiting)
    },
  }
}
