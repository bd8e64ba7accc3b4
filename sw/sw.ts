/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { createLicenseHandler } from 'leeway/sw'
import leewayConfig from 'virtual:leeway/config'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[]
}

// The demo's worker, as a vendor writes theirs with Workbox: precache, Leeway's routes, the app's
// navigation route, Leeway's listeners.

// The app shell, precached so a reload with no network works.
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
clientsClaim()

// Root key, product, API and timeout, as given to Leeway's Vite plugin in vite.config.ts.
const leeway = createLicenseHandler(leewayConfig)
// Before the navigation route: Workbox gives a request to the first route that matches it.
registerRoute(leeway.match, leeway.handler, 'GET')
registerRoute(leeway.match, leeway.handler, 'POST')
leeway.install()

// Navigations that are not the app: the server's own pages and endpoints. Tested by Workbox's
// NavigationRoute against path and query.
const NOT_THE_APP = /^\/(?:admin|api|_license|healthz|metrics)(?:[/?]|$)/
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [NOT_THE_APP] }),
)

// The app's update policy, not Leeway's: a new version waits until the user accepts it
// (workbox-window's messageSkipWaiting).
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})
