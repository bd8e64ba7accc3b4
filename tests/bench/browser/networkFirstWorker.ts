/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import { registerRoute } from 'workbox-routing'
import { NetworkFirst } from 'workbox-strategies'

// The usual recipe a vendor would otherwise ship for a license check: NetworkFirst with a
// 3-second network timeout, falling back to the last cached answer. Bench-only (the baseline of
// "answer while the server hangs"); built into a temp folder by buildNetworkFirstWorker.
declare const self: ServiceWorkerGlobalScope

void self.skipWaiting()
clientsClaim()
registerRoute(
  ({ url }) => url.pathname === '/api/v1/keys',
  new NetworkFirst({ cacheName: 'license-check', networkTimeoutSeconds: 3 }),
)
