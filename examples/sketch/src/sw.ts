/// <reference lib="webworker" />
import { createLicenseHandler } from 'leeway/sw'
import leewayConfig from 'virtual:leeway/config'
import { clientsClaim } from 'workbox-core'
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { NetworkFirst } from 'workbox-strategies'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[]
}

// Leeway's routes first: Workbox answers a request with the first route that matches it.
const leeway = createLicenseHandler(leewayConfig)
registerRoute(leeway.match, leeway.handler, 'GET')
registerRoute(leeway.match, leeway.handler, 'POST')
leeway.install()

// The app's own caching, untouched by Leeway: the shell precached...
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
clientsClaim()

// ...a runtime route of its own: the tip of the day, fresh online, the last one offline...
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname === '/tips.json',
  new NetworkFirst({ cacheName: 'tips', networkTimeoutSeconds: 3 }),
)

// ...and every navigation answered with the app.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')))

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})
