import { statusOf, writeNote } from './support/appPage.ts'
import { SHORT_WINDOWS, expect, test, validateCalls } from './support/fixtures.ts'

// Worker facts found in Firefox and WebKit (#14): a page shown again must bring a due re-check
// without any network event, and the storage manager is optional. The same scenarios run in
// Firefox ESR and WebKitGTK, where these are the engines' own behaviour: tests/engines.

test.describe('a page shown again with no network event (iOS resumes apps this way)', () => {
  test('re-checks once a re-check fell due while its timers were stopped', async ({
    app,
    admin,
    faults,
    page,
  }) => {
    // The page's own clock: its timers stop below, as they do in an app iOS suspended. The
    // worker's clock is the real one, so its re-check falls due meanwhile.
    await page.clock.install()
    const { key } = await admin.createLicense(SHORT_WINDOWS)
    await app.open()
    const activated = await app.activate(key)
    await expect(statusOf(page).chip).toHaveText('active')
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 50)
    faults.clearLog()

    await page.waitForTimeout(2_500) // past the re-check, due at 2 s
    expect(validateCalls(faults)).toEqual([]) // nothing asked the worker: no timer, no event

    await page.evaluate(() => {
      const show = (state: DocumentVisibilityState) => {
        Object.defineProperty(document, 'visibilityState', { value: state, configurable: true })
        document.dispatchEvent(new Event('visibilitychange'))
      }
      show('hidden')
      show('visible')
    })
    await expect.poll(() => validateCalls(faults).length, { timeout: 5_000 }).toBe(1)
    const after = await app.waitForState((state) => state.lastCheckAt !== activated.lastCheckAt)
    expect(after.connectivity).toBe('online')
    expect(after.verifiedAt ?? 0).toBeGreaterThan(activated.verifiedAt ?? 0)
  })
})

// Firefox asks the user before it persists storage, so in a page nobody answers the promise never
// settles; WebKit over http has no navigator.storage at all. The app asks for persistence after
// an activation and must never wait for the answer.
const storageManagers: [string, string][] = [
  [
    'a persist() that never answers (Firefox’s prompt)',
    `window.persistCalls = 0
     StorageManager.prototype.persist = function () { window.persistCalls += 1; return new Promise(() => {}) }`,
  ],
  [
    'a persist() that throws',
    `window.persistCalls = 0
     StorageManager.prototype.persist = function () { window.persistCalls += 1; throw new DOMException('denied', 'SecurityError') }`,
  ],
  ['no navigator.storage (WebKit over http)', `delete Navigator.prototype.storage`],
]

for (const [name, script] of storageManagers) {
  test(`with ${name}: the app starts, activates from the panel and keeps notes`, async ({
    app,
    admin,
    page,
  }) => {
    await page.addInitScript({ content: script })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const { key } = await admin.createLicense()
    await app.open()
    await expect(statusOf(page).chip).toHaveText('unlicensed')

    await page.getByLabel('License key').fill(key)
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    await expect(statusOf(page).chip).toHaveText('active')
    await expect(page.getByRole('heading', { name: 'Activate this device' })).toHaveCount(0)
    await writeNote(page, 'Groceries', 'Milk')

    const asked = await page.evaluate(() => ({
      calls: (window as unknown as { persistCalls?: number }).persistCalls ?? null,
      manager: 'storage' in navigator,
    }))
    // The app did ask, where it could: the test saw the path it means to test.
    if (asked.manager) expect(asked.calls).toBeGreaterThan(0)
    else expect(asked.calls).toBeNull()
    expect(errors).toEqual([])
  })
}
