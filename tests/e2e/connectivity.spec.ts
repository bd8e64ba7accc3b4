import { execFileSync } from 'node:child_process'
import {
  generateEcKeyPair,
  exportKey,
  signCertificate,
  signGrant,
  thumbprint,
  toPublicJwk,
} from '../../src/core/index.ts'
import { E2E_DATA, E2E_REQUEST_TIMEOUT_MS } from '../../playwright.config.ts'
import { SLOW_3G } from '../support/faultProxy.ts'
import type { FaultMode } from '../support/faultProxy.ts'
import { licensedApp } from './support/appPage.ts'
import { SHORT_WINDOWS, expect, test, validateCalls } from './support/fixtures.ts'

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))
const HALF_RECHECK_MS = 2_000

test.describe('connectivity', () => {
  test('1. online activation, then an offline reload: the app loads from the precache, still active', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { key } = await admin.createLicense()
    await app.open()
    expect((await app.activate(key)).status).toBe('active')

    await context.setOffline(true)
    await page.reload()
    await expect(page.getByRole('heading', { name: 'Leeway Notes' })).toBeVisible()
    const state = await app.state()
    expect(state.status).toBe('active')
    expect(state.connectivity).toBe('offline')
    expect(state.features['notes.edit']).toBe(true)
    expect(state.features['export.file']).toBe(true)
    expect(state.reasons['share.link']).toBe('needs_connection')
  })

  test('2. offline past the re-check: grace, then limited; reconnection: active again with no user action', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { key } = await admin.createLicense(SHORT_WINDOWS)
    await app.open()
    const activated = await app.activate(key)
    const verifiedAt = activated.verifiedAt ?? 0
    await context.setOffline(true)

    const grace = await app.waitForState((state) => state.status === 'grace')
    expect(grace.graceEndsAt).toBe(verifiedAt + 8_000)
    expect(grace.features.templates).toBe(true)
    expect(grace.features['share.link']).toBe(false)

    const limited = await app.waitForState((state) => state.status === 'limited')
    expect(limited.features['notes.edit']).toBe(true)
    expect(limited.features['notes.search']).toBe(true)
    expect(limited.features.templates).toBe(false)
    expect(limited.reasons['export.file']).toBe('recheck_overdue')

    // From here the test only watches the page: the browser's `online` event (and Background Sync)
    // must bring the worker back to the server by itself.
    await expect(page.getByTestId('license-status')).toContainText('limited')
    await context.setOffline(false)
    await expect(page.getByTestId('license-status')).toContainText('active', { timeout: 20_000 })
    const back = await app.state()
    expect(back.status).toBe('active')
    expect(back.verifiedAt ?? 0).toBeGreaterThan(verifiedAt)
    expect(back.features.templates).toBe(true)
  })

  test('3. a hanging server: the state answers while the proxy still holds the re-check', async ({
    app,
    admin,
    faults,
  }) => {
    const { key } = await admin.createLicense(SHORT_WINDOWS)
    await app.open()
    const activated = await app.activate(key)
    faults.setMode({ kind: 'hang' })
    await sleep(HALF_RECHECK_MS + 200)

    await app.state() // due: starts a background re-check, which the proxy now holds
    await expect
      .poll(() => faults.log.filter((entry) => entry.outcome === 'held').length)
      .toBeGreaterThan(0)
    const during = await app.state()
    expect(during.status).toBe('active')
    expect(during.lastCheckAt).toBe(activated.lastCheckAt) // the held re-check has not ended
    expect(
      faults.log.some(
        (entry) => entry.path.startsWith('/api/v1/validate') && entry.outcome === 'held',
      ),
    ).toBe(true)

    // When the worker's own timeout ends the attempt, it counts as offline and nothing is lost.
    const after = await app.waitForState((state) => state.lastCheckAt !== activated.lastCheckAt, {
      timeout: E2E_REQUEST_TIMEOUT_MS + 5_000,
    })
    expect(after.connectivity).toBe('offline')
    expect(['active', 'grace']).toContain(after.status) // the window slid on while it waited
    expect(after.verifiedAt).toBe(activated.verifiedAt)
    expect(after.keyId).toBe(activated.keyId)
  })

  const interference: [string, FaultMode][] = [
    ['a captive portal’s login page with status 200', { kind: 'captivePortal' }],
    ['a proxy’s broken JSON', { kind: 'garbage', variant: 'unparseable' }],
    ['JSON of the wrong shape', { kind: 'garbage', variant: 'wrongShape' }],
  ]
  for (const [name, mode] of interference) {
    test(`4. ${name} is interference, never a revocation`, async ({ app, admin, faults }) => {
      const { key } = await admin.createLicense()
      await app.open()
      const activated = await app.activate(key)
      faults.setMode(mode)
      const checked = await app.call('/_license/recheck', {})
      expect(checked.status).toBe(200)
      expect(checked.body.connectivity).toBe('interference')
      expect(checked.body.status).toBe('active')
      expect(checked.body.verifiedAt).toBe(activated.verifiedAt)
      expect(checked.body.keyId).toBe(activated.keyId)
    })
  }

  test('4. a forged revocation signed by another root is interference, never a revocation', async ({
    app,
    admin,
    faults,
  }) => {
    const { key } = await admin.createLicense()
    await app.open()
    const activated = await app.activate(key)
    const attacker = await generateEcKeyPair(true)
    const attackerSigner = await generateEcKeyPair(true)
    const jwk = toPublicJwk(await exportKey(attackerSigner.publicKey))
    const kid = await thumbprint(jwk)
    const now = Math.floor(Date.now() / 1000)
    const cert = await signCertificate(
      { kid, jwk, nbf: now - 60, exp: now + 86_400, use: 'grant' },
      attacker.privateKey,
    )
    const license = activated.license
    if (!license) throw new Error('activation gave no license')
    const forged = await signGrant(
      {
        iss: 'urn:leeway:attacker',
        aud: license.product,
        sub: license.id,
        jti: 'forged',
        seq: 1_000,
        iat: now,
        status: 'revoked',
        plan: license.plan,
        features: [],
        pol: { v: 1, recheck: 60, grace: 0, features: {}, critical: [], keepCritical: 0 },
        dev: license.deviceId,
        cnf: { jkt: 'unknown' },
      },
      attackerSigner.privateKey,
      kid,
    )
    faults.setMode({
      kind: 'status',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        results: [{ ok: true, grant: forged }],
        certs: [cert],
        serverTime: Date.now(),
      }),
    })
    const checked = await app.call('/_license/recheck', {})
    expect(checked.body.connectivity).toBe('interference')
    expect(checked.body.status).toBe('active')
  })

  test('5. revocation by the admin: the next re-check gives revoked, critical features kept, still revoked offline', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { id } = await licensedApp(app, admin)
    await admin.post(`/licenses/${id}/revoke`, { reason: 'chargeback' })

    const revoked = (await app.call('/_license/recheck', {})).body
    expect(revoked.status).toBe('revoked')
    expect(revoked.revocationReason).toBe('revoked')
    expect(revoked.criticalUntil).toBe((revoked.verifiedAt as number) + 14 * 86_400_000)
    expect(revoked.features).toMatchObject({
      'export.file': true,
      templates: false,
      'notes.edit': false,
    })

    await context.setOffline(true)
    await page.reload()
    const offline = await app.state()
    expect(offline.status).toBe('revoked')
    expect(offline.features['export.file']).toBe(true)
    expect(offline.features.templates).toBe(false)
  })

  test('6. renewal: the admin extends the term and the re-check carries the new end', async ({
    app,
    admin,
  }) => {
    const termEnd = Date.now() + 86_400_000
    const { id, key } = await admin.createLicense({ termEnd })
    await app.open()
    expect((await app.activate(key)).termEndsAt).toBe(Math.floor(termEnd / 1000) * 1000)

    const renewedTo = termEnd + 30 * 86_400_000
    await admin.post(`/licenses/${id}/renew`, { termEnd: renewedTo })
    const renewed = (await app.call('/_license/recheck', {})).body
    expect(renewed.termEndsAt).toBe(Math.floor(renewedTo / 1000) * 1000)
    expect(renewed.status).toBe('active')
  })

  test('7. key rotation: the stored grant still verifies offline; the next re-check carries the new kid', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { key } = await admin.createLicense()
    await app.open()
    const before = await app.activate(key)
    await admin.post('/keys/rotate')

    await context.setOffline(true)
    await page.reload()
    const offline = await app.state()
    expect(offline.status).toBe('active')
    expect(offline.keyId).toBe(before.keyId)

    await context.setOffline(false)
    const after = (await app.call('/_license/recheck', {})).body
    expect(after.status).toBe('active')
    expect(after.keyId).not.toBe(before.keyId)
  })

  test('8. a new app build deployed while the license server is unreachable in grace: still licensed, no re-activation', async ({
    app,
    admin,
    faults,
    page,
  }) => {
    const { id, key } = await admin.createLicense({ recheckEvery: 'PT4S', grace: 'PT120S' })
    await app.open()
    const activated = await app.activate(key)
    faults.setMode({ kind: 'refuse' })
    await app.waitForState((state) => state.status === 'grace')

    execFileSync('node', ['--import', 'tsx', 'tests/e2e/support/rebuildApp.ts', 'e2e-2'], {
      stdio: 'inherit',
    })
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update())
    await page.getByRole('button', { name: 'reload' }).click({ timeout: 20_000 })
    await expect(page.getByTestId('build-id')).toHaveText('Build e2e-2', { timeout: 20_000 })

    const updated = await app.state()
    expect(updated.status).toBe('grace')
    expect(updated.license?.id).toBe(activated.license?.id)
    expect(updated.license?.deviceId).toBe(activated.license?.deviceId)
    expect(updated.keyId).toBe(activated.keyId)
    expect(await admin.devices(id)).toHaveLength(1)
  })

  test('9. two tabs: a state change in one reaches the other', async ({ app, admin, context }) => {
    const { key } = await admin.createLicense()
    const first = await app.open()
    await expect(first.getByTestId('license-status')).toContainText('unlicensed')
    const second = await app.open(await context.newPage())

    await app.call('/_license/activate', { licenseKey: key }, second)
    await expect(first.getByTestId('license-status')).toContainText('active')
  })

  test('10. a tampered record in IndexedDB: a clear state, the app still runs, re-activation takes no new seat', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { id, key } = await admin.createLicense({ seats: 1 })
    await app.open()
    const activated = await app.activate(key)

    await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('leeway')
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('records', 'readwrite')
        tx.objectStore('records').put({
          name: 'grant:notes',
          iv: new Uint8Array(12),
          data: new Uint8Array(64).buffer,
        })
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error)
      })
      db.close()
    })
    // A fresh worker reads the store again, as it would after the browser stopped it.
    const cdp = await context.newCDPSession(page)
    await cdp.send('ServiceWorker.enable')
    await cdp.send('ServiceWorker.stopAllWorkers')
    await page.reload()
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)

    const tampered = await app.state()
    expect(tampered.status).toBe('unlicensed')
    expect(tampered.problem).toBe('store_unreadable')
    expect(tampered.remediation[0]?.code).toBe('reactivate')
    await expect(page.getByRole('heading', { name: 'Leeway Notes' })).toBeVisible()

    // The device key survived, so activating again reuses this device's seat (the license has one).
    const again = await app.activate(key)
    expect(again.status).toBe('active')
    expect(again.license?.deviceId).toBe(activated.license?.deviceId)
    expect(await admin.devices(id)).toHaveLength(1)
  })

  test('11. deactivation while offline: queued, replayed on reconnection, seat freed', async ({
    app,
    admin,
    context,
  }) => {
    const { id } = await licensedApp(app, admin)
    await context.setOffline(true)

    const queued = await app.call('/_license/deactivate', {})
    expect(queued.status).toBe(202)
    expect(queued.body.queued).toBe(true)
    expect((await app.state()).pendingDeactivation).toBe(true)
    expect((await admin.devices(id)).map((device) => device.state)).toEqual(['active'])

    await context.setOffline(false)
    await expect
      .poll(async () => (await admin.devices(id)).map((device) => device.state), {
        timeout: 20_000,
      })
      .toEqual(['released'])
    const after = await app.waitForState((state) => !state.pendingDeactivation)
    expect(after.status).toBe('deactivated')
    expect(after.revocationReason).toBe('deactivated')
  })

  test('12. air-gapped activation with no network on the device at any point', async ({
    app,
    admin,
    context,
    faults,
  }) => {
    const { key } = await admin.createLicense({ recheckEvery: null })
    faults.setMode({ kind: 'refuse' })
    await app.open()
    await context.setOffline(true)

    const code = (await app.call('/_license/request-code')).body
    expect(typeof code.requestCode).toBe('string')
    const licenseFile = execFileSync(
      'node',
      [
        'bin/leeway.js',
        'offline-activate',
        '--data',
        E2E_DATA,
        '--key',
        key,
        '--code',
        String(code.requestCode),
      ],
      { encoding: 'utf8' },
    )

    const forged = licenseFile.replace(
      /"grant": "(.{40})./,
      (match, start: string) => `"grant": "${start}${match.endsWith('A') ? 'B' : 'A'}`,
    )
    expect((await app.call('/_license/import', { licenseFile: forged })).status).toBe(400)

    const imported = await app.call('/_license/import', { licenseFile })
    expect(imported.status).toBe(200)
    expect(imported.body.status).toBe('active')
    expect(imported.body.nextCheckAt).toBeNull()
    // Nothing reached the license server: the page's own attempts were all cut, and the worker
    // never tried to activate or re-check.
    const apiCalls = faults.log.filter((entry) => entry.path.startsWith('/api/'))
    expect(apiCalls.every((entry) => entry.outcome === 'refused')).toBe(true)
    expect(apiCalls.filter((entry) => /\/(activate|validate)/.test(entry.path))).toEqual([])
  })

  test('13. 503 with Retry-After: 5: no re-check before it', async ({ app, admin, faults }) => {
    await licensedApp(app, admin, SHORT_WINDOWS)
    faults.setMode({ kind: 'status', status: 503, headers: { 'retry-after': '5' }, body: 'busy' })
    faults.clearLog()

    await expect
      .poll(async () => (await app.state(), validateCalls(faults).length), { timeout: 10_000 })
      .toBeGreaterThan(0)
    const first = validateCalls(faults)[0]?.at ?? 0
    // Keep asking, as a busy app would: every state call may start a re-check if one is allowed.
    await expect
      .poll(async () => (await app.state(), validateCalls(faults).length), {
        timeout: 15_000,
        intervals: [200],
      })
      .toBeGreaterThan(1)
    const second = validateCalls(faults)[1]?.at ?? 0
    expect(second - first).toBeGreaterThanOrEqual(5_000)
  })

  test('14. a slow 3G network: activation and re-check still succeed', async ({
    app,
    admin,
    faults,
  }) => {
    faults.setMode(SLOW_3G, { paths: /./ })
    const { key } = await admin.createLicense()
    await app.open()
    const activated = await app.activate(key)
    expect(activated.status).toBe('active')
    await sleep(1_100) // a new grant gets a later iat, in whole seconds
    const checked = (await app.call('/_license/recheck', {})).body
    expect(checked.connectivity).toBe('online')
    expect(checked.verifiedAt as number).toBeGreaterThan(activated.verifiedAt ?? 0)
  })
})
