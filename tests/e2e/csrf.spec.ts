import type { Page } from '@playwright/test'
import { licensedApp } from './support/appPage.ts'
import { expect, test } from './support/fixtures.ts'
import { startOtherSite } from './support/otherSite.ts'
import type { OtherSite } from './support/otherSite.ts'

// Issue #11, item 2: a page of another site posts forms to the worker's endpoints. A form that
// submits itself is a navigation, and a navigation to the app's origin goes through the app's
// service worker like the app's own calls. The attacker's pages are served from `localhost`, another
// site than the app's `127.0.0.1`.

/** A page that posts one form to `action` as soon as it loads. */
function selfPostingForm(action: string, enctype: string, name: string, value: string): string {
  const attr = (text: string) => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;')
  return `<!doctype html><title>Win a prize</title>
<form method="POST" action="${attr(action)}" enctype="${enctype}">
<input type="hidden" name="${attr(name)}" value="${attr(value)}"></form>
<script>document.forms[0].submit()</script>`
}

let attacker: OtherSite
const pages = new Map<string, string>()

test.beforeAll(async () => {
  attacker = await startOtherSite((path) => pages.get(path))
})

test.afterAll(async () => {
  await attacker.close()
})

/** Opens the attacker's page in another tab and waits for its form to land on the app's origin. */
async function visitAttacker(attackerPage: Page, path: string, appOrigin: string): Promise<string> {
  const landed = attackerPage.waitForURL(`${appOrigin}/_license/**`)
  await attackerPage.goto(`${attacker.origin}${path}`)
  await landed
  return (await attackerPage.locator('body').textContent()) ?? ''
}

test.describe('cross-site forms posted to the worker', () => {
  test('Should not deactivate, opt in to telemetry or swap the license - each form is refused with forbidden_request and the device stays as it was', async ({
    app,
    admin,
    context,
  }) => {
    const { id, key } = await admin.createLicense()
    const theirs = await admin.createLicense()
    await app.open()
    await app.activate(key)
    const appOrigin = new URL(app.page.url()).origin

    pages.set(
      '/deactivate',
      selfPostingForm(
        `${appOrigin}/_license/deactivate`,
        'application/x-www-form-urlencoded',
        'x',
        '1',
      ),
    )
    // text/plain sends `name=value`: the name opens a JSON object and the value closes it.
    pages.set(
      '/telemetry',
      selfPostingForm(`${appOrigin}/_license/telemetry`, 'text/plain', '{"optIn":true,"x":"', '"}'),
    )
    pages.set(
      '/activate',
      selfPostingForm(
        `${appOrigin}/_license/activate`,
        'text/plain',
        `{"licenseKey":"${theirs.key}","x":"`,
        '"}',
      ),
    )

    const attackerPage = await context.newPage()
    for (const path of ['/deactivate', '/telemetry', '/activate']) {
      expect(await visitAttacker(attackerPage, path, appOrigin), path).toContain(
        'forbidden_request',
      )
    }
    await attackerPage.close()

    const after = await app.state()
    expect(after.status).toBe('active')
    expect(after.license?.id).toBe(id)
    expect((await app.call('/_license/telemetry')).body.optIn).toBe(false)
    // Nothing was queued for later either: the seat is still this device's, on the server too.
    const checked = await app.call('/_license/recheck', {})
    expect(checked.body.status).toBe('active')
    expect((await admin.devices(id)).map((device) => device.state)).toEqual(['active'])
    expect(await admin.devices(theirs.id)).toEqual([])
  })

  test('the app itself still activates, opts in and deactivates through the same endpoints', async ({
    app,
    admin,
  }) => {
    const { id } = await licensedApp(app, admin)
    expect((await app.call('/_license/telemetry', { optIn: true })).body.optIn).toBe(true)
    expect((await app.call('/_license/deactivate', {})).status).toBe(200)
    expect((await admin.devices(id)).map((device) => device.state)).toEqual(['released'])
  })
})
