import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import type { IDBPDatabase } from 'idb'
import { DEFAULT_BACKOFF } from '../../../src/core/index.ts'
import type { ServedLicenseState } from '../../../src/core/index.ts'
import { createApp } from '../../../server/app.ts'
import { openDeployment } from '../../../server/deployment/openDeployment.ts'
import type { Deployment } from '../../../server/deployment/openDeployment.ts'
import { AdminService } from '../../../server/services/AdminService.ts'
import { ManifestService } from '../../../server/services/ManifestService.ts'
import { LicenseWorker } from '../../../sw/license/LicenseWorker.ts'
import { handleLicenseRequest, licenseRoutes } from '../../../sw/license/licenseRoutes.ts'
import type { WorkerConfig } from '../../../sw/license/LicenseWorker.ts'
import { LicenseStore } from '../../../sw/store/LicenseStore.ts'
import { openLeewayDb } from '../../../sw/store/LeewayDb.ts'
import type { LeewayDb, LeewaySchema } from '../../../sw/store/LeewayDb.ts'

// The service worker's license logic in Node, on fake-indexeddb and Node's WebCrypto, talking to
// the real license server in-process: its own clock, the server's clock and the network (a fetch
// the test can intercept) are each under the test's control.

export type Interceptor = (
  path: string,
  body: unknown,
  forward: () => Promise<Response>,
  init: RequestInit | undefined,
) => Promise<Response>

export interface WorkerHarness {
  data: Deployment
  app: Hono
  /** The worker now running; `restart()` replaces it. */
  worker: LicenseWorker
  /** Stops the worker and starts a new one on the same database, as browsers do with idle workers. */
  restart(): LicenseWorker
  /**
   * The worker's database, raw, to change it as someone with the browser's storage in hand would:
   * after the writes the worker has already started (lastSeen is written in the background), which
   * land within milliseconds on a device, long before anyone could edit the store.
   */
  database(): Promise<IDBPDatabase<LeewaySchema>>
  clocks: { device: number; server: number }
  /** Moves the device's and the server's clocks forward together. */
  advance(ms: number): void
  /** A new license of two seats, activated on this device; throws if activation fails. */
  activated(): Promise<{ id: string; key: string }>
  /** A license file for this device, made by the server from the worker's request code. */
  licenseFile(licenseKey: string): Promise<string>
  /** Replaces the network for the worker's requests; `forward` reaches the real server. */
  intercept(interceptor: Interceptor | null): void
  /** Every request the worker sent, with the server's answer body. */
  exchanges: { path: string; request: unknown; status: number; response: string }[]
  createLicense(input?: {
    seats?: number
    recheckEvery?: string | null
    floating?: { maxConcurrent: number; leaseLength: string; maxBorrow?: string }
  }): Promise<{ id: string; key: string }>
  /** The app's windows the worker sees open (one by default); none: the app is closed. */
  setWindows(ids: string[]): void
  /** Another device's worker (its own database and key) on the same server, network and clock. */
  peer(): LicenseWorker
  state(): Promise<ServedLicenseState>
  /** POSTs JSON to a `/_license/*` endpoint of the worker now running, as the app's page does. */
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>
  close(): Promise<void>
}

let counter = 0

/**
 * `overrides` change what the worker is given (another pinned root, product or API base); the
 * server is the same. A worker whose API base names another origin still reaches this server.
 */
export async function startWorkerHarness(
  overrides: Partial<Pick<WorkerConfig, 'rootJwk' | 'product' | 'apiBase'>> = {},
): Promise<WorkerHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'leeway-worker-'))
  const clocks = { device: Date.UTC(2026, 5, 1, 12), server: Date.UTC(2026, 5, 1, 12) }
  const data = await openDeployment(dir, { now: () => clocks.server })
  const app = createApp(data.deps({ now: () => clocks.server }))
  const exchanges: WorkerHarness['exchanges'] = []
  let interceptor: Interceptor | null = null
  let harnessWindows = ['window-1']
  const peers: LeewayDb[] = []

  const fetchThroughHarness = async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = String(input)
    const request: unknown = JSON.parse(String(init?.body ?? 'null'))
    const forward = async () =>
      app.request(serverPath(path), {
        method: init?.method,
        headers: init?.headers,
        body: init?.body,
      })
    const response = interceptor ? await interceptor(path, request, forward, init) : await forward()
    const text = await response.clone().text()
    exchanges.push({ path, request, status: response.status, response: text })
    return response
  }

  const name = `leeway-worker-${++counter}`
  let db: LeewayDb = openLeewayDb(name)
  const writing = new Set<Promise<unknown>>()
  /** The store, with the background writes the worker does not wait for kept track of. */
  const storeOf = (database: LeewayDb) =>
    new (class extends LicenseStore {
      override updateHighWater(patch: Parameters<LicenseStore['updateHighWater']>[0]) {
        const write = super.updateHighWater(patch)
        writing.add(write)
        void write.finally(() => writing.delete(write)).catch(() => undefined)
        return write
      }
    })(database)
  const config: WorkerConfig = {
    rootJwk: data.rootPublicJwk,
    product: 'notes',
    apiBase: '/api/v1',
    origin: 'https://app.example',
    requestTimeoutMs: 2_000,
    backoff: DEFAULT_BACKOFF,
    now: () => clocks.device,
    random: () => 0.5,
    fetch: fetchThroughHarness as typeof fetch,
    onLine: () => true,
    registerSync: async () => undefined,
    broadcast: () => undefined,
    openWindows: async () => harnessWindows,
    ...overrides,
  }
  const manifests = new ManifestService(data.store, () => clocks.server)
  const admin = new AdminService(data.store, manifests, data.keyHashSecret, () => clocks.server)

  const harness: WorkerHarness = {
    data,
    app,
    worker: new LicenseWorker(storeOf(db), config),
    restart() {
      db.close()
      db = openLeewayDb(name)
      harness.worker = new LicenseWorker(storeOf(db), config)
      return harness.worker
    },
    async database() {
      await Promise.allSettled([...writing])
      return db.connection()
    },
    clocks,
    advance(ms) {
      clocks.device += ms
      clocks.server += ms
    },
    async activated() {
      const license = await harness.createLicense()
      const result = await harness.worker.activate(license.key, 'Test device')
      if (!result.ok) throw new Error(`activation failed: ${result.code}`)
      return license
    },
    async licenseFile(licenseKey) {
      const { requestCode } = await harness.worker.requestCode('Air-gapped')
      const made = await app.request('/api/v1/offline/activate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ licenseKey, requestCode }),
      })
      return ((await made.json()) as { licenseFile: string }).licenseFile
    },
    exchanges,
    intercept(next) {
      interceptor = next
    },
    createLicense: async (input = {}) =>
      admin.createLicense({
        product: 'notes',
        plan: 'pro',
        seats: input.seats ?? 2,
        recheckEvery: input.recheckEvery,
        ...(input.floating ? { floating: input.floating } : {}),
      }),
    setWindows(ids) {
      harnessWindows = ids
    },
    peer() {
      const database = openLeewayDb(`${name}-peer-${++counter}`)
      peers.push(database)
      return new LicenseWorker(storeOf(database), { ...config, openWindows: async () => ['peer'] })
    },
    state: () => harness.worker.state(),
    async post(path, body) {
      const response = await handleLicenseRequest(
        licenseRoutes(harness.worker),
        new Request(`https://app.example${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-leeway-request': '1' },
          body: JSON.stringify(body),
        }),
        () => undefined,
      )
      return { status: response.status, body: (await response.json()) as unknown }
    },
    async close() {
      db.close()
      for (const database of peers) database.close()
      await data.store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return harness
}

/** A JSON answer as the network (or an attacker on it) would send. */
export function jsonAnswer(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** The path and query of a URL the worker fetched, whatever origin its API base names. */
function serverPath(url: string): string {
  const { pathname, search } = new URL(url, 'https://app.example')
  return pathname + search
}
