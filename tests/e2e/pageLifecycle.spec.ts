import { statusOf } from './support/appPage.ts'
import { SHORT_WINDOWS, expect, test, validateCalls } from './support/fixtures.ts'

// Worker facts found in Firefox and WebKit (#14): a page shown again must bring a due re-check
// without any network event.

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
