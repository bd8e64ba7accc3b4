import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SYNC_TAG } from '../../src/core/index.ts'
import { startFaultProxy } from '../support/faultProxy.ts'
import type { FaultProxy } from '../support/faultProxy.ts'
import {
  AdminClient,
  SHORT_WINDOWS,
  offlineLicenseFile,
  tamperedLicenseFile,
  validateCalls,
} from '../e2e/support/vendor.ts'
import type { Engine, EngineBrowser } from './support/engine.ts'
import { EngineApp } from './support/EngineApp.ts'
import { firefox } from './support/firefox.ts'
import { ENGINES_DATA, REQUEST_TIMEOUT_MS, SERVER } from './support/settings.ts'
import { webkit } from './support/webkit.ts'

// The worker-centred connectivity scenarios of the Playwright suite (connectivity.spec.ts,
// app.activation.spec.ts), in the engines Chromium is not: Firefox ESR and WebKitGTK. The network
// is cut by the fault proxy between the browser and the real server, never by the browser's
// offline emulation (Firefox's BiDi offline mode also cancels the requests the worker answers).
// Each test gets a proxy of its own, so a new origin: a fresh worker and fresh storage.

const ENGINES: Engine[] = [firefox, webkit]

/** What the engine offers the worker, read once from a page of the app's origin. */
interface EngineFacts {
  serviceWorker: boolean
  backgroundSync: boolean
  storageManager: boolean
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

describe.each(ENGINES)('$name', (engine) => {
  const missing = engine.missing()
  let browser: EngineBrowser | undefined
  let facts: EngineFacts = { serviceWorker: false, backgroundSync: false, storageManager: false }
  let faults: FaultProxy
  let app: EngineApp
  const admin = () => new AdminClient(SERVER, ENGINES_DATA)

  beforeAll(async () => {
    // CI installs every engine (.ci/run): there a missing one is a failure, not a skip.
    if (missing && process.env.CI) throw new Error(`${engine.name}: ${missing}`)
    if (missing) return
    browser = await engine.launch()
    const probe = await browser.newTab()
    await probe.goto(`${SERVER}/healthz`)
    facts = await probe.evaluate(
      () => ({
        serviceWorker: 'serviceWorker' in navigator,
        backgroundSync: 'SyncManager' in window,
        storageManager: 'storage' in navigator,
      }),
      null,
    )
    await probe.close()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
  })

  beforeEach(async (context) => {
    if (missing) context.skip(`${engine.name} is not installed: ${missing}`)
    if (!facts.serviceWorker)
      context.skip(`${engine.name} offers no service worker to http://127.0.0.1 pages`)
    if (!browser) throw new Error(`${engine.name} did not start`)
    faults = await startFaultProxy({ target: SERVER })
    app = new EngineApp(browser, faults.url)
  })

  afterEach(async () => {
    await app?.closeTabs()
    await faults?.close()
  })

  it('activates from the panel without waiting on navigator.storage (a persist() prompt nobody answers, or none at all)', async () => {
    const { key } = await admin().createLicense()
    await app.open()
    await expect.poll(() => app.chip()).toBe('unlicensed')
    await app.tab.type('#license-key', key)
    await app.tab.clickButton('Activate')
    await expect.poll(() => app.chip()).toBe('active')
    expect((await app.state()).status).toBe('active')
  })

  it('server down: the app reloads from the precache, still active, notes kept, and “Check now” says offline', async () => {
    const { key } = await admin().createLicense()
    await app.open()
    await app.activate(key)
    await app.tab.click('[data-testid="new-note"]')
    await app.tab.type('#note-title', 'Packing list')
    await app.tab.type('#note-body', 'Passport')
    await expect
      .poll(() =>
        app.tab.evaluate(() => document.body.textContent?.includes('Saved on this device'), null),
      )
      .toBe(true)

    // The whole origin is down now, page loads included: only the worker can answer.
    faults.setMode({ kind: 'refuse' }, { paths: /./ })
    await app.tab.reload()
    await expect.poll(() => app.text('h1')).toBe('Leeway Notes')
    await expect.poll(() => app.chip()).toBe('active')
    await expect
      .poll(() => app.tab.evaluate(() => document.body.textContent?.includes('Packing list'), null))
      .toBe(true)

    await app.tab.clickButton('Check now')
    await expect
      .poll(() => app.text('.check .outcome'), { timeout: REQUEST_TIMEOUT_MS + 5_000 })
      .toMatch(/^Could not check: you're offline\./)
    const state = await app.state()
    expect(state.status).toBe('active')
    expect(state.connectivity).toBe('offline')
    expect(state.features['notes.edit']).toBe(true)
    expect(state.features['export.file']).toBe(true)
    expect(state.reasons['share.link']).toBe('needs_connection')
  })

  it('server hung: the state answers at once while the proxy holds the re-check; the worker’s timeout then says offline', async () => {
    const { key } = await admin().createLicense(SHORT_WINDOWS)
    await app.open()
    const activated = await app.activate(key)
    faults.setMode({ kind: 'hang' })
    await sleep(2_200) // past the re-check (due at 2 s)

    await app.state() // due: starts a background re-check, which the proxy now holds
    await expect
      .poll(() => validateCalls(faults).filter((entry) => entry.outcome === 'held').length)
      .toBeGreaterThan(0)
    const asked = Date.now()
    const during = await app.state()
    expect(Date.now() - asked).toBeLessThan(1_000)
    expect(during.status).toBe('active')
    expect(during.lastCheckAt).toBe(activated.lastCheckAt) // the held re-check has not ended

    const after = await app.waitForState(
      (state) => state.lastCheckAt !== activated.lastCheckAt,
      REQUEST_TIMEOUT_MS + 5_000,
    )
    expect(after.connectivity).toBe('offline')
    expect(['active', 'grace']).toContain(after.status) // the window slid on while it waited
    expect(after.verifiedAt).toBe(activated.verifiedAt)
    expect(await app.chip()).toMatch(/^(active|grace period)$/)
  })

  it('503 with Retry-After: 5: no re-check before it, however often the app asks', async () => {
    const { key } = await admin().createLicense(SHORT_WINDOWS)
    await app.open()
    await app.activate(key)
    faults.setMode({ kind: 'status', status: 503, headers: { 'retry-after': '5' }, body: 'busy' })
    faults.clearLog()

    await expect
      .poll(async () => (await app.state(), validateCalls(faults).length), { timeout: 10_000 })
      .toBeGreaterThan(0)
    const first = validateCalls(faults)[0]?.at ?? 0
    await expect
      .poll(async () => (await app.state(), validateCalls(faults).length), {
        timeout: 15_000,
        interval: 200,
      })
      .toBeGreaterThan(1)
    const second = validateCalls(faults)[1]?.at ?? 0
    expect(second - first).toBeGreaterThanOrEqual(5_000)
    expect(await app.chip()).toMatch(/^(active|grace period)$/)
  })

  it('reconnection with no Background Sync and no online event: limited while the server is down, active again with no user action', async () => {
    const { key } = await admin().createLicense(SHORT_WINDOWS)
    await app.open()
    const activated = await app.activate(key)
    faults.setMode({ kind: 'refuse' })
    const limited = await app.waitForState((state) => state.status === 'limited', 20_000)
    expect(limited.features['notes.edit']).toBe(true)
    expect(limited.features.templates).toBe(false)
    await expect.poll(() => app.chip()).toBe('limited mode')

    // From here the test only reads the page: the browser never saw the network go (the proxy
    // refused, the browser stayed online), so only the worker's backoff and the page's own state
    // requests can bring the license back.
    faults.setMode({ kind: 'pass' })
    await expect.poll(() => app.chip(), { timeout: 30_000, interval: 500 }).toBe('active')
    const back = await app.state()
    expect(back.verifiedAt ?? 0).toBeGreaterThan(activated.verifiedAt ?? 0)
    expect(back.features.templates).toBe(true)
  })

  it('Background Sync: a failed re-check registers a sync to retry it', async (context) => {
    if (!facts.backgroundSync)
      context.skip(
        `${engine.name} has no Background Sync (SyncManager): the worker retries on its start, the page's state requests and its online event instead`,
      )
    const { key } = await admin().createLicense()
    await app.open()
    await app.activate(key)
    faults.setMode({ kind: 'refuse' })
    await app.call('/_license/recheck', {})
    const tags = await app.tab.evaluate(async () => {
      const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
        sync: { getTags(): Promise<string[]> }
      }
      return registration.sync.getTags()
    }, null)
    expect(tags).toContain(SYNC_TAG)
  })

  it('two tabs: an activation in one shows in the other', async () => {
    const { key } = await admin().createLicense()
    const first = await app.open()
    await expect.poll(() => app.chip(first)).toBe('unlicensed')
    const second = await app.open()
    await app.activate(key, second)
    await expect.poll(() => app.chip(first)).toBe('active')
  })

  it('deactivation while the server is down: queued and said so, sent when it is back, the seat freed', async () => {
    const vendor = admin()
    const { id, key } = await vendor.createLicense()
    await app.open()
    await app.activate(key)
    faults.setMode({ kind: 'refuse' })

    await app.tab.clickButton('Deactivate this device')
    await app.tab.clickButton('Deactivate now')
    await expect
      .poll(() => app.text('[data-testid="pending-deactivation"]'), {
        timeout: REQUEST_TIMEOUT_MS + 5_000,
      })
      .toBeTruthy()
    expect((await app.state()).pendingDeactivation).toBe(true)
    expect((await vendor.devices(id)).map((device) => device.state)).toEqual(['active'])

    faults.setMode({ kind: 'pass' })
    await expect
      .poll(async () => (await vendor.devices(id)).map((device) => device.state), {
        timeout: 30_000,
        interval: 500,
      })
      .toEqual(['released'])
    await expect
      .poll(() => app.text('[data-testid="pending-deactivation"]'), { timeout: 10_000 })
      .toBeNull()
    expect(await app.chip()).not.toBe('active')
    // The way back is in the panel: the same key, on the same device.
    expect(
      await app.tab.evaluate(() => document.querySelector('#license-key') !== null, null),
    ).toBe(true)
  })

  it('air-gapped activation: request code, `leeway offline-activate`, a tampered file refused, the real one imported with no network', async () => {
    const { key } = await admin().createLicense({ recheckEvery: null })
    faults.setMode({ kind: 'refuse' })
    await app.open()

    const code = (await app.call('/_license/request-code')).body
    expect(typeof code.requestCode).toBe('string')
    const licenseFile = offlineLicenseFile(ENGINES_DATA, key, String(code.requestCode))

    const tampered = await app.call('/_license/import', {
      licenseFile: tamperedLicenseFile(licenseFile),
    })
    expect(tampered.status).toBe(400)
    expect(await app.chip()).toBe('unlicensed')

    const imported = await app.call('/_license/import', { licenseFile })
    expect(imported.status).toBe(200)
    expect(imported.body.status).toBe('active')
    expect(imported.body.nextCheckAt).toBeNull()
    await expect.poll(() => app.chip()).toBe('active')
    const apiCalls = faults.log.filter((entry) => entry.path.startsWith('/api/'))
    expect(apiCalls.filter((entry) => /\/(activate|validate)/.test(entry.path))).toEqual([])
  })

  it('floating license: a borrow given back offline frees its slot on reconnection; closing the app gives the lease back', async () => {
    const license = await admin().createLicense({
      seats: 5,
      floating: { maxConcurrent: 2, leaseLength: 'PT10M', maxBorrow: 'P7D' },
    })
    const leases = () => admin().leases(license.id)
    await app.open()
    const leased = await app.activate(license.key)
    expect(leased.floating).toMatchObject({ held: 'lease', maxConcurrent: 2 })

    const until = Date.now() + 2 * 86_400_000
    const borrowed = await app.call('/_license/borrow', { until })
    expect(borrowed.status).toBe(200)
    await expect.poll(() => app.chip()).toBe('borrowed')
    expect((await leases()).map((lease) => lease.kind)).toEqual(['borrow'])

    faults.setMode({ kind: 'refuse' })
    const given = await app.call('/_license/give-back', {})
    expect(given.status).toBe(202)
    expect(given.body.status).toBe('unleased')
    await expect.poll(() => app.chip()).toBe('given back')
    expect((await leases()).map((lease) => lease.kind)).toEqual(['borrow'])

    // Back online: "Check now" sends the return first, then the open app takes a lease.
    faults.setMode({ kind: 'pass' })
    await app.call('/_license/recheck', {})
    await expect.poll(async () => (await leases()).map((lease) => lease.kind)).toEqual(['lease'])

    // The last tab goes: the worker hears `closing` on pagehide and gives the lease back.
    await app.closeTabs()
    await expect.poll(async () => (await leases()).length, { timeout: 15_000 }).toBe(0)
  })
})
