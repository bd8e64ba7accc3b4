import type { Page } from '@playwright/test'
import {
  LOCALE,
  TIME_ZONE,
  expectAccessible,
  expectGated,
  screenshotState,
  statusOf,
  writeNote,
} from './support/appPage.ts'
import { expect, test } from './support/fixtures.ts'

// Where no service worker can run (a private window, a policy, registration refused), the app
// says why within seconds and the notes stay the user's: readable, and writable when the notes
// store works. Licensed extras stay off: nothing can vouch for a license here.
test.use({ locale: LOCALE, timezoneId: TIME_ZONE })

const WHY =
  'This browser does not let Leeway Notes run its license service here (a private window, or a setting or policy that blocks service workers). Your notes are here to read and write; search, export, templates and sharing need a regular window.'

/** Uncaught errors of the page: a refused registration must not be one. */
function pageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  return errors
}

test.describe('no service worker blocked by the browser', () => {
  // Playwright's own blocking: `register()` resolves with nothing, as the issue saw it.
  test.use({ serviceWorkers: 'block' })

  test('says why at once, throws nothing, and keeps notes readable and writable', async ({
    app,
    page,
  }) => {
    const errors = pageErrors(page)
    await page.goto(`${app.origin}/`)
    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('no license service', { timeout: 3_000 })
    await expect(message).toHaveText(WHY)
    await expect(page.locator('#license')).toContainText(WHY)

    await writeNote(page, 'Written without a worker', 'Still mine.')
    await page.reload()
    await expect(chip).toHaveText('no license service', { timeout: 3_000 })
    await page.getByRole('button', { name: /^Written without a worker/ }).click()
    await expect(page.locator('#note-body')).toHaveValue('Still mine.')
    await expect(page.locator('#note-body')).toBeEditable()
    const extra = 'Needs the license service, which this browser does not run here.'
    await expectGated(page.getByRole('button', { name: 'Export all' }), extra)
    await expectGated(page.getByRole('button', { name: 'From template' }), extra)
    expect(errors).toEqual([])
    await expectAccessible(page, 'no service worker')
    await screenshotState(page, 'no-service-worker')
  })
})

test.describe('service worker registration refused', () => {
  test('a register() that throws is said the same way, with no uncaught error', async ({
    app,
    page,
  }) => {
    await page.addInitScript(() => {
      ServiceWorkerContainer.prototype.register = () =>
        Promise.reject(new DOMException('The operation is insecure.', 'SecurityError'))
    })
    const errors = pageErrors(page)
    await page.goto(`${app.origin}/`)
    await expect(statusOf(page).message).toHaveText(WHY, { timeout: 3_000 })
    await expect(page.getByTestId('new-note')).toBeEnabled()
    expect(errors).toEqual([])
  })

  test('no serviceWorker at all (some private windows): the same', async ({ app, page }) => {
    await page.addInitScript(() => {
      // As where the browser does not expose it at all (WebIDL's [SecureContext], some policies).
      Reflect.deleteProperty(Navigator.prototype, 'serviceWorker')
    })
    const errors = pageErrors(page)
    await page.goto(`${app.origin}/`)
    await expect(statusOf(page).chip).toHaveText('no license service', { timeout: 3_000 })
    await expect(page.getByTestId('new-note')).toBeEnabled()
    expect(errors).toEqual([])
  })
})

test.describe('a service worker that never answers', () => {
  test('after a few seconds says it has not started and to reload; notes stay read-only', async ({
    app,
    page,
  }) => {
    // Registration that never settles: the page waits for a state that does not come.
    await page.addInitScript(() => {
      ServiceWorkerContainer.prototype.register = () => new Promise(() => undefined)
    })
    await page.goto(`${app.origin}/`)
    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('starting')
    await expect(chip).toHaveText('not started', { timeout: 10_000 })
    await expect(message).toHaveText(
      'The license service has not started in this tab. Your notes are here to read. Reload the page; if that does not help, a browser extension or setting may be blocking it.',
    )
    await expectGated(page.getByTestId('new-note'), 'Checking your license…')
  })
})
