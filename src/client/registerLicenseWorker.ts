import { Workbox } from 'workbox-window'
import { SYNC_TAG } from '../core/index.ts'
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
  void workbox.register().then(() => registerPeriodicRecheck())

  return {
    onUpdateReady(listener) {
      listeners.add(listener)
      if (waiting) listener(waiting)
    },
  }
}

// Where the browser grants it (an installed app, in Chromium), the worker is woken about twice a
// day to re-check even when the app is not opened, so its grace window keeps sliding.
const PERIODIC_RECHECK_MS = 12 * 60 * 60 * 1000

interface PeriodicSyncRegistration extends ServiceWorkerRegistration {
  periodicSync: { register(tag: string, options: { minInterval: number }): Promise<void> }
}

async function registerPeriodicRecheck(): Promise<void> {
  try {
    const registration = await navigator.serviceWorker.ready
    if (!('periodicSync' in registration)) return
    const permission = await navigator.permissions.query({
      name: 'periodic-background-sync' as PermissionName,
    })
    if (permission.state !== 'granted') return
    await (registration as PeriodicSyncRegistration).periodicSync.register(SYNC_TAG, {
      minInterval: PERIODIC_RECHECK_MS,
    })
  } catch {
    // Periodic sync is a bonus: state calls, reconnection and worker start re-check without it.
  }
}
