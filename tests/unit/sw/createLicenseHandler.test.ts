import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RouteHandlerCallback, RouteMatchCallback } from 'workbox-core/types.js'
import { exportKey, generateEcKeyPair, toPublicJwk } from '../../../src/core/index.ts'
import type { PublicJwk } from '../../../src/core/index.ts'
import { createLicenseHandler } from '../../../sw/index.ts'
import type { LicenseHandler } from '../../../sw/index.ts'

// Leeway's part of a vendor's worker (#13): the route a Workbox worker registers, the fetch
// listener of a worker without Workbox, and Leeway's own listeners. Run here against a stand-in
// for the worker's global scope; the browser suite runs the demo's real worker.

/** The service worker's global scope, as far as the handler uses it. */
class WorkerScope extends EventTarget {
  readonly location = { origin: 'https://app.example' }
  readonly registration = {}
  readonly added: string[] = []

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.added.push(args[0])
    super.addEventListener(...args)
  }
}

let scope: WorkerScope
let rootJwk: PublicJwk
let serial = 0

beforeEach(async () => {
  scope = new WorkerScope()
  vi.stubGlobal('self', scope)
  // Offline: nothing here may reach for a license server.
  vi.stubGlobal('navigator', { onLine: false })
  rootJwk = toPublicJwk(await exportKey((await generateEcKeyPair(true)).publicKey))
})

afterEach(() => {
  vi.unstubAllGlobals()
})

function handlerWith(config: { endpointBase?: string } = {}): LicenseHandler {
  return createLicenseHandler({
    rootJwk,
    product: 'notes',
    databaseName: `leeway-handler-${++serial}`,
    ...config,
  })
}

/** An event for the handler, whose `waitUntil` work the test can wait for. */
function extendable(): { event: ExtendableEvent; settled: () => Promise<unknown> } {
  const work: Promise<unknown>[] = []
  const event = { waitUntil: (promise: Promise<unknown>) => work.push(promise) }
  return { event: event as unknown as ExtendableEvent, settled: () => Promise.all(work) }
}

describe('the route a Workbox worker registers', () => {
  it('fits registerRoute: a RouteMatchCallback and a RouteHandlerCallback', () => {
    const leeway = handlerWith()
    const capture: RouteMatchCallback = leeway.match
    const handler: RouteHandlerCallback = leeway.handler
    expect([typeof capture, typeof handler]).toEqual(['function', 'function'])
  })

  it.each([
    ['https://app.example/_license/state', true],
    ['https://app.example/_license/activate?x=1', true],
    ['https://app.example/_licenses/state', false],
    ['https://app.example/app/_license/state', false],
    ['https://licenses.example/_license/state', false],
  ])('matches %s: %s', (url, expected) => {
    expect(handlerWith().match({ url: new URL(url) })).toBe(expected)
  })

  it('answers the state from the store, with no network', async () => {
    const leeway = handlerWith()
    const { event, settled } = extendable()
    const request = new Request('https://app.example/_license/state?start=1')
    const response = await leeway.handler({ request, event })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { status: string }).status).toBe('unlicensed')
    await settled()
  })

  it('lives under another endpoint base when told, and leaves /_license/ alone', async () => {
    const leeway = handlerWith({ endpointBase: '/acme-license' })
    expect(leeway.match({ url: new URL('https://app.example/acme-license/state') })).toBe(true)
    expect(leeway.match({ url: new URL('https://app.example/_license/state') })).toBe(false)
    const { event } = extendable()
    const request = new Request('https://app.example/acme-license/state')
    expect((await leeway.handler({ request, event })).status).toBe(200)
  })
})

describe('the configuration', () => {
  it.each(['', '/', '//evil.example/', '/a/../b/', 'license/', '/_license/?x'])(
    'refuses the endpoint base %j',
    (endpointBase) => {
      expect(() => handlerWith({ endpointBase })).toThrow(TypeError)
    },
  )

  it.each(['ftp://licenses.example/api', '/api/v1?key=1', 'javascript:alert(1)'])(
    'refuses the API base %j',
    (apiBase) => {
      expect(() => createLicenseHandler({ rootJwk, product: 'notes', apiBase })).toThrow(TypeError)
    },
  )
})

describe('Leeway’s listeners', () => {
  it('install() adds message, sync, periodicsync and activate listeners, once, and none for fetch', () => {
    const leeway = handlerWith()
    leeway.install()
    leeway.install()
    expect(scope.added.sort()).toEqual(['activate', 'message', 'periodicsync', 'sync'])
  })

  it('addFetchListener() answers the endpoints and leaves every other request alone', async () => {
    handlerWith().addFetchListener()
    const answered: Promise<Response>[] = []
    const fetchEvent = (url: string) =>
      Object.assign(new Event('fetch'), {
        request: new Request(url),
        respondWith: (response: Promise<Response>) => answered.push(response),
        waitUntil: () => undefined,
      })
    scope.dispatchEvent(fetchEvent('https://app.example/index.html'))
    scope.dispatchEvent(fetchEvent('https://licenses.example/_license/state'))
    expect(answered).toHaveLength(0)
    scope.dispatchEvent(fetchEvent('https://app.example/_license/state'))
    expect(answered).toHaveLength(1)
    expect((await answered[0])?.status).toBe(200)
  })
})
