import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLicenseClient } from '../../src/client/index.ts'
import type { LicenseClient } from '../../src/client/index.ts'
import type { ServedLicenseState, StateMessage } from '../../src/core/index.ts'

// The page client of a worker registered elsewhere (#13, item 3): its paths and its channel are
// the ones it is given, never `/_license/` and `leeway` by hard-coding. A browser without service
// workers stands in for the page here; the browser suite runs the demo's client with its worker.

const STATE = {
  status: 'active',
  features: { 'export.file': true },
} as unknown as ServedLicenseState

let calls: { url: string; init: RequestInit | undefined }[]
let client: LicenseClient | undefined

/** A fetch that answers as the worker does: the state for GETs, the state for action POSTs. */
const workerFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  calls.push({ url: String(input), init })
  return new Response(JSON.stringify(STATE), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })
}

beforeEach(() => {
  calls = []
  vi.stubGlobal('navigator', {})
})

afterEach(() => {
  client?.stop()
  client = undefined
  vi.unstubAllGlobals()
})

describe('a client given another endpoint base and channel', () => {
  it('asks the state under its base, marking only the first answered request as an app start', async () => {
    client = createLicenseClient({ endpointBase: '/acme-license/', fetch: workerFetch })
    await client.refresh()
    await client.refresh()
    expect(calls.map((call) => call.url)).toEqual([
      '/acme-license/state?start=1',
      '/acme-license/state',
    ])
  })

  it('keeps the start mark until a worker answers', async () => {
    let answering = false
    client = createLicenseClient({
      fetch: async (input, init) => {
        if (answering) return workerFetch(input, init)
        calls.push({ url: String(input), init })
        throw new TypeError('Failed to fetch')
      },
    })
    await client.refresh()
    answering = true
    await client.refresh()
    await client.refresh()
    expect(calls.map((call) => call.url)).toEqual([
      '/_license/state?start=1',
      '/_license/state?start=1',
      '/_license/state',
    ])
  })

  it('posts actions under its base, with the header no cross-site form can send', async () => {
    client = createLicenseClient({ endpointBase: '/acme-license', fetch: workerFetch })
    const outcome = await client.activate('KEY', 'Laptop')
    expect(outcome).toEqual({ ok: true, state: STATE, queued: false })
    expect(calls[0]?.url).toBe('/acme-license/activate')
    expect(calls[0]?.init?.headers).toMatchObject({ 'X-Leeway-Request': '1' })
    expect(client.license.current).toEqual(STATE)
    expect(client.hasFeature('export.file')).toBe(true)
  })

  it('follows the broadcasts of its own channel only', async () => {
    client = createLicenseClient({ channelName: 'acme', fetch: workerFetch })
    client.start()
    const seen: (string | undefined)[] = []
    client.license.subscribe((state) => seen.push(state?.status))
    const send = (name: string, status: string) => {
      const channel = new BroadcastChannel(name)
      channel.postMessage({ type: 'state', state: { ...STATE, status } } as StateMessage)
      channel.close()
    }
    await vi.waitFor(() => expect(seen).toContain('active'))
    send('leeway', 'revoked')
    send('acme', 'grace')
    await vi.waitFor(() => expect(client?.license.current?.status).toBe('grace'))
    expect(seen).not.toContain('revoked')
  })

  it('tells a feature’s changes to its store, and only its changes', async () => {
    client = createLicenseClient({ fetch: workerFetch })
    const seen: boolean[] = []
    const stop = client.feature('export.file').subscribe((on) => seen.push(on))
    client.license.set(STATE)
    client.license.set({ ...STATE, status: 'grace' })
    client.license.set({ ...STATE, features: { 'export.file': false } })
    stop()
    client.license.set(STATE)
    expect(seen).toEqual([false, true, false])
  })
})
