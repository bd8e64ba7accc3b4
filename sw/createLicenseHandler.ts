/// <reference lib="webworker" />
import {
  BROADCAST_CHANNEL,
  DEFAULT_BACKOFF,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_ENDPOINT_BASE,
  SYNC_TAG,
  endpointBase,
  licenseEndpoints,
} from '../src/core/index.ts'
import type { BackoffPolicy, PageMessage, PublicJwk, StateMessage } from '../src/core/index.ts'
import { LicenseWorker } from './license/LicenseWorker.ts'
import { handleLicenseRequest, licenseRoutes } from './license/licenseRoutes.ts'
import { DATABASE_NAME, openLeewayDb } from './store/LeewayDb.ts'
import { LicenseStore } from './store/LicenseStore.ts'

declare const self: ServiceWorkerGlobalScope

/** What a vendor's worker tells Leeway; everything but the root key and the product has a default. */
export interface LicenseHandlerConfig {
  /** The root public key the app trusts, pinned at build time: every grant must chain to it. */
  rootJwk: PublicJwk
  /** The product this app is licensed as: the `aud` of its grants. */
  product: string
  /**
   * The license server's public API: a path on this origin (default `/api/v1`), or a URL on
   * another origin, whose server must then allow this one (CORS).
   */
  apiBase?: string
  /** How long to wait for the license server before treating it as unreachable (default 10 s). */
  requestTimeoutMs?: number
  /** Where the virtual endpoints live (default `/_license/`); the page client must be told too. */
  endpointBase?: string
  /** The IndexedDB database that holds the license (default `leeway`). */
  databaseName?: string
  /** The BroadcastChannel every state change goes out on (default `leeway`); the client's too. */
  channelName?: string
  /** Delays between failed automatic re-checks (default: from 2 s doubling up to 10 min, jittered). */
  backoff?: BackoffPolicy
}

/**
 * Leeway's part of a service worker. `match` and `handler` fit Workbox's `registerRoute(capture,
 * handler, method)` (a `RouteMatchCallback` and a `RouteHandlerCallback`); `addFetchListener()`
 * answers the endpoints in a worker without Workbox. `install()` adds Leeway's other listeners.
 */
export interface LicenseHandler {
  /** Whether a request is for one of the virtual endpoints (this origin, under the endpoint base). */
  match(options: { url: URL }): boolean
  /** Answers a request for a virtual endpoint; never throws, a failure is a JSON error. */
  handler(options: { request: Request; event: ExtendableEvent }): Promise<Response>
  /**
   * Adds Leeway's `message` (the page's `online` and `visible`), `sync`, `periodicsync` and `activate`
   * listeners. None of them answers a fetch, so where they stand among the worker's listeners
   * does not matter. Call it once.
   */
  install(): void
  /**
   * For a worker without Workbox: a `fetch` listener that answers the virtual endpoints and leaves
   * every other request to the listeners after it. Add it before any listener that answers
   * requests under the endpoint base.
   */
  addFetchListener(): void
}

// Many devices see a network come back at the same moment: a few seconds of jitter spread them.
const RECONNECT_JITTER_MS = 3_000

/**
 * Leeway's license handling for a service worker, as a vendor adds it to their own.
 * @example
 * const leeway = createLicenseHandler({ rootJwk, product: 'notes' })
 * registerRoute(leeway.match, leeway.handler, 'GET')
 * registerRoute(leeway.match, leeway.handler, 'POST')
 * leeway.install()
 */
export function createLicenseHandler(config: LicenseHandlerConfig): LicenseHandler {
  const base = endpointBase(config.endpointBase ?? DEFAULT_ENDPOINT_BASE)
  const endpoints = licenseEndpoints(base)
  const origin = self.location.origin
  const channel = new BroadcastChannel(config.channelName ?? BROADCAST_CHANNEL)
  const worker = new LicenseWorker(
    new LicenseStore(openLeewayDb(config.databaseName ?? DATABASE_NAME)),
    Object.freeze({
      rootJwk: config.rootJwk,
      product: config.product,
      apiBase: apiBase(config.apiBase ?? '/api/v1', origin),
      origin,
      requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      backoff: config.backoff ?? DEFAULT_BACKOFF,
      // Read at each call, not bound once: a test may move the worker's clock (`Date.now`).
      now: () => Date.now(),
      random: Math.random,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
      onLine: () => navigator.onLine,
      registerSync: async (tag: string) => {
        if ('sync' in self.registration)
          await (self.registration as SyncCapableRegistration).sync.register(tag)
      },
      broadcast: (state: StateMessage['state']) =>
        channel.postMessage({ type: 'state', state } satisfies StateMessage),
      openWindows: async () =>
        (await self.clients.matchAll({ type: 'window' })).map((client) => client.id),
    }),
  )
  const routes = licenseRoutes(worker, endpoints)

  // A worker (re)started by an event re-checks if one is due, with the usual backoff: browsers stop
  // idle workers within a minute, and every restart must not count as a reconnection. This is also
  // what browsers without Background Sync (Safari, Firefox) rely on. Activation is not held up by it.
  let started = false
  const startOnce = (event?: ExtendableEvent) => {
    if (started) return
    started = true
    const work = retry({ reconnected: false })
    event?.waitUntil(work)
  }
  const retry = async (options: { reconnected: boolean }) => {
    try {
      await worker.replayQueue()
      await worker.recheckIfDue(options)
    } catch {
      // A failed background attempt is recorded by the worker itself; nothing here may throw.
    }
  }

  const match: LicenseHandler['match'] = ({ url }) =>
    url.origin === origin && url.pathname.startsWith(base)

  const handler: LicenseHandler['handler'] = ({ request, event }) => {
    startOnce(event)
    return handleLicenseRequest(routes, request, (work) => event.waitUntil(work))
  }

  let installed = false
  return {
    match,
    handler,
    install() {
      if (installed) return
      installed = true
      self.addEventListener('message', (event: ExtendableMessageEvent) => {
        startOnce(event)
        const message = event.data as PageMessage | undefined
        if (message?.type === 'online') {
          event.waitUntil(
            sleep(Math.random() * RECONNECT_JITTER_MS).then(() => retry({ reconnected: true })),
          )
        }
        // No jitter: a page shown again is one user's act, not a moment a whole network shares.
        // Not a reconnection either, so the backoff holds and switching tabs cannot hammer a
        // server that is failing.
        if (message?.type === 'visible' || message?.type === 'in-use')
          event.waitUntil(retry({ reconnected: false }))
        if (message?.type === 'closing') {
          const source = event.source as Client | null
          event.waitUntil(worker.closing(source?.id ?? null).catch(() => undefined))
        }
      })
      // A sync honours the backoff like any automatic re-check, and a rejected sync is rescheduled
      // by the browser on its own, growing delay: reject while the server is still unreachable.
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
      self.addEventListener('activate', () => startOnce())
    },
    addFetchListener() {
      self.addEventListener('fetch', (event) => {
        const url = new URL(event.request.url)
        if (match({ url })) event.respondWith(handler({ request: event.request, event }))
      })
    },
  }
}

/** The API base as given, checked: a path of this origin, or an http(s) URL of another. */
function apiBase(value: string, origin: string): string {
  const url = new URL(value, origin)
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash)
    throw new TypeError(`apiBase ${JSON.stringify(value)} is not a path or an http(s) URL`)
  return value.replace(/\/+$/, '')
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

interface SyncCapableRegistration extends ServiceWorkerRegistration {
  sync: { register(tag: string): Promise<void> }
}
