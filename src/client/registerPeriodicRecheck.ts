import { SYNC_TAG } from '../core/index.ts'

// Where the browser grants it (an installed app, in Chromium), the worker is woken about twice a
// day to re-check even when the app is not opened, so its grace window keeps sliding.
const PERIODIC_RECHECK_MS = 12 * 60 * 60 * 1000

interface PeriodicSyncRegistration extends ServiceWorkerRegistration {
  periodicSync: { register(tag: string, options: { minInterval: number }): Promise<void> }
}

/**
 * Asks the browser to wake the worker about twice a day to re-check (Periodic Background Sync),
 * where it is granted; resolves to whether it was. A bonus: state calls, reconnection and worker
 * start re-check without it.
 */
export async function registerPeriodicRecheck(
  registration: ServiceWorkerRegistration,
): Promise<boolean> {
  try {
    if (!('periodicSync' in registration)) return false
    const permission = await navigator.permissions.query({
      name: 'periodic-background-sync' as PermissionName,
    })
    if (permission.state !== 'granted') return false
    // Only a registration with an active worker can register; a first install may still be going.
    if (!registration.active) await navigator.serviceWorker.ready
    await (registration as PeriodicSyncRegistration).periodicSync.register(SYNC_TAG, {
      minInterval: PERIODIC_RECHECK_MS,
    })
    return true
  } catch {
    return false
  }
}
