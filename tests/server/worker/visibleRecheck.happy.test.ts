import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PageMessage, ServedLicenseState } from '../../../src/core/index.ts'
import { createApp } from '../../../server/app.ts'
import { openDeployment } from '../../../server/deployment/openDeployment.ts'
import type { Deployment } from '../../../server/deployment/openDeployment.ts'
import { AdminService } from '../../../server/services/AdminService.ts'
import { ManifestService } from '../../../server/services/ManifestService.ts'
import { createLicenseHandler } from '../../../sw/index.ts'
import type { LicenseHandler } from '../../../sw/index.ts'

// The page's `visible` message (#14, worker facts): iOS resumes an app with no network event and
// with its timers stopped, so the page says it is shown again and the worker re-checks if one is
// due, within its backoff. Leeway's handler as a vendor's worker installs it, its listeners on a
// stand-in for the worker's global scope, talking to the real license server in-process; the
// device's and the server's clocks are the one faked Date.

const HOUR = 3_600_000

/** The service worker's global scope, as far as the handler uses it. */
class WorkerScope extends EventTarget {
  readonly location = { origin: 'https://app.example' }
  readonly registration = {}
}

let dir: string
let data: Deployment
let scope: WorkerScope
let leeway: LicenseHandler
/** The paths of the worker's requests to the server, and whether the network let each through. */
let sent: { path: string; reached: boolean }[]
let networkUp: boolean
let serial = 0

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 5, 1, 12) })
  // Full jitter picks half the backoff delay: the test knows when the backoff ends.
  vi.spyOn(Math, 'random').mockReturnValue(0.5)
  dir = mkdtempSync(join(tmpdir(), 'leeway-visible-'))
  const now = () => Date.now()
  data = await openDeployment(dir, { now })
  const app = createApp(data.deps({ now }))
  sent = []
  networkUp = true
  scope = new WorkerScope()
  vi.stubGlobal('self', scope)
  vi.stubGlobal('navigator', { onLine: true })
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'https://app.example')
    sent.push({ path: url.pathname, reached: networkUp })
    if (!networkUp) throw new TypeError('Failed to fetch')
    return app.request(url.pathname + url.search, init)
  })
  leeway = createLicenseHandler({
    rootJwk: data.rootPublicJwk,
    product: 'notes',
    databaseName: `leeway-visible-${++serial}`,
  })
  leeway.install()
})

afterEach(async () => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  await data.store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Sends a page's message to the worker and waits for all the work it started. */
async function pageSays(message: PageMessage): Promise<void> {
  const work: Promise<unknown>[] = []
  scope.dispatchEvent(
    Object.assign(new Event('message'), {
      data: message,
      waitUntil: (promise: Promise<unknown>) => work.push(promise),
    }),
  )
  await Promise.all(work)
}

/** Calls a virtual endpoint as the app's page does, and waits for the work it started. */
async function page(path: string, body?: unknown): Promise<ServedLicenseState> {
  const work: Promise<unknown>[] = []
  const request = new Request(`https://app.example/_license/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', 'x-leeway-request': '1' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const event = { waitUntil: (promise: Promise<unknown>) => work.push(promise) }
  const response = await leeway.handler({ request, event: event as unknown as ExtendableEvent })
  await Promise.all(work)
  return (await response.json()) as ServedLicenseState
}

const validations = () => sent.filter((request) => request.path === '/api/v1/validate')

/** A device activated with a license whose re-check falls due 12 hours after each check. */
async function activatedDevice(): Promise<ServedLicenseState> {
  const manifests = new ManifestService(data.store, () => Date.now())
  const admin = new AdminService(data.store, manifests, data.keyHashSecret, () => Date.now())
  const { key } = await admin.createLicense({ product: 'notes', plan: 'pro', seats: 2 })
  const state = await page('activate', { licenseKey: key })
  expect(state.status, JSON.stringify({ state, sent })).toBe('active')
  sent = []
  return state
}

describe('a page shown again (an app resumed, a tab brought back)', () => {
  it('does not call the server while no re-check is due', async () => {
    await activatedDevice()
    vi.advanceTimersByTime(HOUR)
    await pageSays({ type: 'visible' })
    expect(validations()).toEqual([])
  })

  it('re-checks once one fell due while it was hidden, with no network event', async () => {
    const activated = await activatedDevice()
    vi.setSystemTime(Date.now() + 13 * HOUR)
    await pageSays({ type: 'visible' })
    expect(validations()).toEqual([{ path: '/api/v1/validate', reached: true }])
    const after = await page('state')
    expect(after.verifiedAt ?? 0).toBeGreaterThan(activated.verifiedAt ?? 0)
    expect(after.connectivity).toBe('online')
  })

  it('keeps the backoff after a failed re-check: shown again at once, it waits; after the delay, it tries', async () => {
    await activatedDevice()
    vi.setSystemTime(Date.now() + 13 * HOUR)
    networkUp = false
    await pageSays({ type: 'visible' })
    expect(validations()).toHaveLength(1)

    // The first backoff delay is 2 s, half of it with this jitter.
    vi.setSystemTime(Date.now() + 500)
    await pageSays({ type: 'visible' })
    expect(validations()).toHaveLength(1)

    networkUp = true
    vi.setSystemTime(Date.now() + 1_000)
    await pageSays({ type: 'visible' })
    expect(validations()).toEqual([
      { path: '/api/v1/validate', reached: false },
      { path: '/api/v1/validate', reached: true },
    ])
    expect((await page('state')).connectivity).toBe('online')
  })

  it('ignores messages it does not know, and none crashes the worker', async () => {
    await activatedDevice()
    vi.setSystemTime(Date.now() + 13 * HOUR)
    for (const message of [null, 42, 'visible', { type: 'hidden' }, { type: ['visible'] }])
      await pageSays(message as unknown as PageMessage)
    expect(validations()).toEqual([])
  })
})
