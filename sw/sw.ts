/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { BROADCAST_CHANNEL, DEFAULT_BACKOFF, SYNC_TAG } from '../src/core/index.ts'
import type { PageMessage, StateMessage } from '../src/core/index.ts'
import { LicenseWorker } from './license/LicenseWorker.ts'
import { handleLicenseRequest, licenseRoutes } from './license/licenseRoutes.ts'
import { LicenseStore } from './store/LicenseStore.ts'
import { openLeewayDb } from './store/LeewayDb.ts'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[]
}

// The app shell, precached so a reload with no network works.
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
clientsClaim()
// Navigations that are not the app: the server's own pages and endpoints. Tested against a path,
// and by Workbox's NavigationRoute against path and query.
const NOT_THE_APP = /^\/(?:admin|api|_license|healthz|metrics)(?:[/?]|$)/

registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [NOT_THE_APP] }),
)

const channel = new BroadcastChannel(BROADCAST_CHANNEL)
const worker = new LicenseWorker(new LicenseStore(openLeewayDb()), {
  rootJwk: __LEEWAY_ROOT_JWK__,
  product: __LEEWAY_PRODUCT__,
  apiBase: '/api/v1',
  requestTimeoutMs: __LEEWAY_REQUEST_TIMEOUT_MS__,
  backoff: DEFAULT_BACKOFF,
  now: Date.now,
  random: Math.random,
  fetch: (input, init) => fetch(input, init),
  onLine: () => navigator.onLine,
  registerSync: async (tag) => {
    if ('sync' in self.registration)
      await (self.registration as SyncCapableRegistration).sync.register(tag)
  },
  broadcast: (state) => channel.postMessage({ type: 'state', state } satisfies StateMessage),
})
const routes = licenseRoutes(worker)
// Answered here and never by the network, before any other route sees them.
self.addEventListener('fetch', (event) => {
  startOnce(event)
  const url = new URL(event.request.url)
  // A page load of the app is an app start, counted (with consent) as online or offline.
  if (
    event.request.mode === 'navigate' &&
    url.origin === self.location.origin &&
    !NOT_THE_APP.test(url.pathname)
  )
    event.waitUntil(worker.appStarted().catch(() => undefined))
  if (url.origin !== self.location.origin || !url.pathname.startsWith('/_license/')) return
  event.respondWith(handleLicenseRequest(routes, event.request, (work) => event.waitUntil(work)))
})

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  startOnce(event)
  const message = event.data as PageMessage | undefined
  if (message?.type === 'SKIP_WAITING') void self.skipWaiting()
  // Many devices see a network come back at the same moment: a few seconds of jitter spread them.
  if (message?.type === 'online') {
    event.waitUntil(
      sleep(Math.random() * RECONNECT_JITTER_MS).then(() => retry({ reconnected: true })),
    )
  }
})

// A sync honours the backoff like any automatic re-check, and a rejected sync is rescheduled by the
// browser on its own, growing delay: reject while the server is still unreachable.
for (const type of ['sync', 'periodicsync']) {
  self.addEventListener(type, (event) => {
    const sync = event as ExtendableEvent & { tag?: string }
    if (sync.tag !== SYNC_TAG) return
    sync.waitUntil(
      worker
        .withinSyncEvent(() => retry({ reconnected: false }))
        .then(async () => {
          if (!(await worker.lastAttemptSucceeded()))
            throw new Error('license server still unreachable')
        }),
    )
  })
}

// A worker (re)started by an event re-checks if one is due, with the usual backoff: browsers stop
// idle workers within a minute, and every restart must not count as a reconnection. This is also
// what browsers without Background Sync (Safari, Firefox) rely on. Activation is not held up by it.
let started = false
function startOnce(event?: ExtendableEvent): void {
  if (started) return
  started = true
  const work = retry({ reconnected: false })
  event?.waitUntil(work)
}
self.addEventListener('activate', () => startOnce())

async function retry(options: { reconnected: boolean }): Promise<void> {
  try {
    await worker.replayQueue()
    await worker.recheckIfDue(options)
  } catch {
    // A failed background attempt is recorded by the worker itself; nothing here may throw.
  }
}

const RECONNECT_JITTER_MS = 3_000
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

interface SyncCapableRegistration extends ServiceWorkerRegistration {
  sync: { register(tag: string): Promise<void> }
}
