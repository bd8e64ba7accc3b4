import type { Page } from '@playwright/test'
import { activated, writeNote } from './support/appPage.ts'
import { expect, test } from './support/fixtures.ts'
import { startOtherSite } from './support/otherSite.ts'
import type { OtherSite } from './support/otherSite.ts'

// Issue #11, item 8b: every page now comes with a strict Content-Security-Policy and may not be
// framed. The app must work under it, in all it does, with not one violation; and a page of
// another site (served from `localhost`, the app being on `127.0.0.1`) must not frame it.

/** Collects every policy violation of `page` and of the pages it opens after. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = []
  await page.exposeFunction('reportViolation', (text: string) => seen.push(text))
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { reportViolation(text: string): void }).reportViolation
      report(`${event.violatedDirective} ${event.blockedURI}`)
    })
  })
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text())
  })
  return seen
}

let attacker: OtherSite
let framingPage = ''

test.beforeAll(async () => {
  attacker = await startOtherSite(() => framingPage)
})

test.afterAll(async () => {
  await attacker.close()
})

test.describe('the content security policy', () => {
  test('Should not get in the way of the app - request code and QR, activation, a note, a shared link and the admin sign-in run with no violation', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const violations = await watchViolations(page)
    const response = await page.goto(`${app.origin}/`)
    // The policy is there to be violated: without it this test would prove nothing.
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'")
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)

    await page.getByText('Activate without internet on this device').click()
    await page.getByRole('button', { name: 'Show request code' }).click()
    await expect(page.getByRole('img', { name: 'The request code as a QR code' })).toBeVisible()

    const { key } = await admin.createLicense()
    await activated(app, key)
    await page.reload()
    await writeNote(page, 'Recipe', 'Flour, water, salt.')
    await page.getByRole('button', { name: 'Share link' }).click()
    const url = await page.getByLabel(/^Read-only link, until/).inputValue()

    const reader = await context.newPage()
    const readerViolations = await watchViolations(reader)
    await reader.goto(url)
    await expect(reader.getByRole('heading', { name: 'Recipe' })).toBeVisible()
    await reader.goto(`${app.origin}/admin`)
    await expect(reader.getByRole('heading', { level: 1 })).toBeVisible()

    expect([...violations, ...readerViolations]).toEqual([])
  })

  test('Should not let another site frame the app - the frame stays empty and the browser says why', async ({
    app,
    page,
  }) => {
    await app.open()
    framingPage = `<!doctype html><title>Click here</title><iframe src="${app.origin}/" width="800" height="600"></iframe>`
    const refusals: string[] = []
    const framer = await page.context().newPage()
    framer.on('console', (message) => {
      if (/frame-ancestors/.test(message.text())) refusals.push(message.text())
    })
    await framer.goto(`${attacker.origin}/`)
    await expect.poll(() => refusals.length).toBeGreaterThan(0)
    const frame = framer.frames().find((candidate) => candidate !== framer.mainFrame())
    expect(frame).toBeDefined()
    // Chromium shows its own error page in the frame: nothing of the app.
    expect(frame?.url()).not.toContain(new URL(app.origin).host)
  })
})
