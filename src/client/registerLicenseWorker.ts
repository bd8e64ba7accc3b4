import { Workbox } from 'workbox-window'
import type { PageMessage } from '../core/index.ts'
import { license } from './licenseStore.ts'

type UpdateListener = (apply: () => void) => void

export interface LicenseWorkerHandle {
  /** Called when a new version is installed and waiting; `apply` switches to it and reloads. */
  onUpdateReady(listener: UpdateListener): void
}

/**
 * Registers the service worker and starts the license store. The first page load is not
 * controlled until the worker claims it; the store refreshes when it does. A new version waits
 * until the user accepts it, and the license, kept in IndexedDB, is untouched by the switch.
 */
export function registerLicenseWorker(scriptUrl = '/sw.js'): LicenseWorkerHandle {
  const listeners = new Set<UpdateListener>()
  let waiting: (() => void) | undefined
  license.start()
  if (!('serviceWorker' in navigator)) return { onUpdateReady: () => undefined }

  const workbox = new Workbox(scriptUrl)
  workbox.addEventListener('waiting', () => {
    waiting = () => {
      workbox.addEventListener('controlling', () => window.location.reload())
      workbox.messageSkipWaiting()
    }
    for (const listener of listeners) listener(waiting)
  })
  navigator.serviceWorker.addEventListener('controllerchange', () => void license.refresh())
  window.addEventListener('online', () => {
    const message: PageMessage = { type: 'online' }
    navigator.serviceWorker.controller?.postMessage(message)
  })
  void workbox.register()

  return {
    onUpdateReady(listener) {
      listeners.add(listener)
      if (waiting) listener(waiting)
    },
  }
}
