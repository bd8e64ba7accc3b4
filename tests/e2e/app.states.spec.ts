import {
  activated,
  dateTimeText,
  dayText,
  expectAccessible,
  fact,
  expectGated,
  LOCALE,
  remediationCodes,
  screenshot,
  screenshotState,
  setLastSeen,
  statusOf,
  TIME_ZONE,
  writeSampleNotes,
  licensedApp,
} from './support/appPage.ts'
import { expect, test } from './support/fixtures.ts'

// Every license state (src/core/licenseState.ts) through the real server and worker: its message, dates and
// remediation, the controls it switches off and why, accessibility, and screenshots for the README.
test.use({ locale: LOCALE, timezoneId: TIME_ZONE })

test.describe('the app in each license state', () => {
  test('unlicensed: asks for a key, and every control says activation brings it', async ({
    app,
    page,
  }) => {
    await app.open()
    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('unlicensed')
    await expect(message).toHaveText(
      'This device is not activated yet. Enter your license key to start writing notes.',
    )
    expect(await remediationCodes(page)).toEqual(['activate'])
    await expect(page.getByLabel('License key')).toBeVisible()
    await expectGated(page.getByTestId('new-note'), 'Activate a license to use this.')
    await expectGated(
      page.getByRole('button', { name: 'From template' }),
      'Activate a license to use this.',
    )
    await expectAccessible(page, 'unlicensed')
    await screenshotState(page, 'unlicensed')
  })

  test('active: everything works; plan, last verified, next check and term are shown', async ({
    app,
    admin,
    page,
  }) => {
    const termEnd = Date.now() + 365 * 86_400_000
    const { key } = await admin.createLicense({ termEnd })
    await app.open()
    const state = await activated(app, key)
    await writeSampleNotes(page)

    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('active')
    await expect(message).toHaveText(
      'Your Pro license is active. Everything works, online and offline.',
    )
    await expect(fact(page, 'Plan')).toHaveText('Pro')
    await expect(fact(page, 'Last verified')).toContainText(dateTimeText(state.verifiedAt ?? 0))
    await expect(fact(page, 'Next check')).toContainText(dateTimeText(state.nextCheckAt ?? 0))
    await expect(fact(page, 'Term')).toContainText(
      `Ends ${dateTimeText(state.termEndsAt ?? 0)} (365 days left)`,
    )
    await expect(page.getByTestId('remediation')).toHaveCount(0)
    for (const name of ['New note', 'From template', 'Export all']) {
      await expect(page.getByRole('button', { name, exact: true })).toBeEnabled()
    }

    await page.getByRole('button', { name: 'Check now' }).click()
    await expect(page.getByText('Checked just now. Your license is up to date.')).toBeVisible()

    await expectAccessible(page, 'active, light')
    await screenshotState(page, 'active')
    await page.emulateMedia({ colorScheme: 'dark' })
    await expectAccessible(page, 'active, dark')
    await screenshot(page, 'active-dark-1280', 1280)
    await page.emulateMedia({ colorScheme: 'light' })
    await page.getByRole('button', { name: /^Groceries/ }).click()
    await screenshot(page, 'notes-360', 360)
  })

  test('grace: offline past the re-check, premium features until a named day, share waits for a connection', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin, { recheckEvery: 'PT3S', grace: 'P7D' })
    await writeSampleNotes(page)
    await context.setOffline(true)

    const grace = await app.waitForState((state) => state.status === 'grace')
    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('grace period', { timeout: 10_000 })
    await expect(message).toHaveText(
      `You're offline. Export and templates keep working until ${dayText(grace.graceEndsAt ?? 0)} (7 days left). Sharing waits for a connection. Connect to the internet to extend.`,
    )
    expect(await remediationCodes(page)).toEqual(['connect'])
    await expect(fact(page, 'Export and templates offline until')).toContainText(
      `${dateTimeText(grace.graceEndsAt ?? 0)} (7 days left)`,
    )
    await expect(page.getByRole('button', { name: 'From template' })).toBeEnabled()
    await page.getByRole('button', { name: /^Groceries/ }).click()
    await expectGated(
      page.getByRole('button', { name: 'Share link' }),
      'Available again after you reconnect.',
    )
    await expectAccessible(page, 'grace')
    await screenshotState(page, 'grace')
  })

  test('limited: premium features paused with the day it was last online, notes still editable', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin, { recheckEvery: 'PT2S', grace: 'PT2S' })
    await writeSampleNotes(page)
    await context.setOffline(true)

    const limited = await app.waitForState((state) => state.status === 'limited')
    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('limited mode', { timeout: 10_000 })
    const time = new Intl.DateTimeFormat(LOCALE, {
      hour: 'numeric',
      minute: '2-digit',
      timeZone: TIME_ZONE,
    }).format(limited.verifiedAt ?? 0)
    await expect(message).toHaveText(
      `Export, templates and sharing are paused because this device hasn't been online since today at ${time}. Writing notes and search still work. Connect to restore them.`,
    )
    expect(await remediationCodes(page)).toEqual(['connect'])
    const paused = 'Paused until this device is back online to check its license.'
    await expectGated(page.getByRole('button', { name: 'From template' }), paused)
    await expectGated(page.getByRole('button', { name: 'Export all' }), paused)
    await expect(page.getByTestId('new-note')).toBeEnabled()
    await expect(page.getByRole('searchbox', { name: 'Search notes' })).toBeEditable()
    await expectAccessible(page, 'limited')
    await screenshotState(page, 'limited')
  })

  test('expired: says the day it ended, keeps search and export for keepCritical, renew is a link', async ({
    app,
    admin,
    page,
  }) => {
    await licensedApp(app, admin, { termEnd: Date.now() + 6_000 })
    await writeSampleNotes(page)

    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('expired', { timeout: 15_000 })
    const expired = await app.state()
    await expect(message).toHaveText(
      `Your license ended today. Your notes are still here to read. Search and export keep working until ${dayText(expired.criticalUntil ?? 0)}, so you can take your notes with you. Renew your subscription, then check again.`,
    )
    expect(await remediationCodes(page)).toEqual(['export_now', 'renew'])
    // The vendor's page from the signed policy (server/demoManifest.ts), not a dead end.
    await expect(page.getByRole('link', { name: 'Renew your subscription' })).toHaveAttribute(
      'href',
      'https://leeway-notes.example/support',
    )
    await expect(fact(page, 'Search and export available until')).toContainText(
      `${dateTimeText(expired.criticalUntil ?? 0)} (14 days left)`,
    )
    await expectGated(
      page.getByTestId('new-note'),
      'Your license has ended. Renew it to use this again.',
    )
    // Taking the notes out works as after a revocation: export, and search to find them.
    await expect(page.getByRole('button', { name: 'Export all', exact: true })).toBeEnabled()
    await page.getByRole('searchbox', { name: 'Search notes' }).fill('eggs')
    await expect(page.getByText('1 of 2 notes match')).toBeVisible()
    await page.getByRole('searchbox', { name: 'Search notes' }).fill('')
    await page.getByRole('button', { name: /^Groceries/ }).click()
    await expect(page.locator('#note-body')).toHaveValue('Milk\nEggs\nCoffee beans')
    await expect(page.locator('#note-body')).not.toBeEditable()
    await expect(page.getByText('Read-only: Your license has ended.')).toBeVisible()
    await expectAccessible(page, 'expired')
    await screenshotState(page, 'expired')
  })

  test('revoked: says when, and that search and export still work until a named day', async ({
    app,
    admin,
    page,
  }) => {
    const { id } = await licensedApp(app, admin)
    await writeSampleNotes(page)
    await admin.post(`/licenses/${id}/revoke`, { reason: 'chargeback' })
    await page.getByRole('button', { name: 'Check now' }).click()

    const revoked = await app.waitForState((state) => state.status === 'revoked')
    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('revoked')
    await expect(message).toHaveText(
      `This license was revoked today. Search and export keep working until ${dayText(revoked.criticalUntil ?? 0)}, so you can take your notes with you.`,
    )
    expect(await remediationCodes(page)).toEqual(['export_now', 'contact_vendor'])
    await expect(page.getByRole('link', { name: 'Contact the vendor' })).toHaveAttribute(
      'href',
      'https://leeway-notes.example/support',
    )
    await expect(fact(page, 'Search and export available until')).toContainText(
      `${dateTimeText(revoked.criticalUntil ?? 0)} (14 days left)`,
    )
    await expectGated(page.getByTestId('new-note'), 'This license was revoked.')
    await expect(page.getByRole('button', { name: 'Export all', exact: true })).toBeEnabled()
    await expect(page.getByRole('button', { name: 'Export all notes' })).toBeEnabled()
    await expectAccessible(page, 'revoked')
    await screenshotState(page, 'revoked')
  })

  test('deactivated by the vendor: a neutral state of its own, and one step: activate again', async ({
    app,
    admin,
    page,
  }) => {
    const { id, key, state } = await licensedApp(app, admin)
    await writeSampleNotes(page)
    await admin.delete(`/licenses/${id}/devices/${state.license?.deviceId ?? ''}`)
    await page.getByRole('button', { name: 'Check now' }).click()

    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('deactivated')
    await expect(message).toHaveText(
      'This device was removed from the license today. Your notes are still here to read. Activate again to keep writing here.',
    )
    await expect(page.locator('.status-line')).toHaveAttribute('data-tone', 'info')
    await expect(page.locator('#license')).not.toContainText('revoked')
    expect(await remediationCodes(page)).toEqual(['activate'])
    await expect(fact(page, 'This device')).toHaveText('Removed from the license')
    await expectGated(
      page.getByTestId('new-note'),
      'This device was removed from the license. Activate it again to use this.',
    )
    await expectAccessible(page, 'deactivated')
    await screenshotState(page, 'deactivated')

    // The one step: the same key, on the same device, takes a free seat again.
    await page.getByLabel('License key').fill(key)
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    await expect(chip).toHaveText('active')
    await expect(page.getByTestId('new-note')).toBeEnabled()
  })

  test('a manifest without a support URL: the steps say renew, with no link to nowhere', async ({
    app,
    admin,
    page,
  }) => {
    const before = await admin.replaceManifest((manifest) => {
      for (const product of Object.values(manifest.products)) delete product.supportUrl
      return manifest
    })
    try {
      const { id } = await licensedApp(app, admin)
      await admin.post(`/licenses/${id}/revoke`, {})
      await page.getByRole('button', { name: 'Check now' }).click()
      await expect(statusOf(page).chip).toHaveText('revoked')
      await expect(page.locator('[data-code="contact_vendor"]')).toHaveText(
        'Contact the vendor about this license.',
      )
      await expect(page.locator('#license a[href^="https:"]')).toHaveCount(0)
    } finally {
      await admin.replaceManifest(() => before)
    }
  })

  test('suspended: notes readable and exportable, contact the vendor', async ({
    app,
    admin,
    page,
  }) => {
    const { id } = await licensedApp(app, admin)
    await writeSampleNotes(page)
    await admin.post(`/licenses/${id}/suspend`, { reason: 'invoice overdue' })
    await page.getByRole('button', { name: 'Check now' }).click()

    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('suspended')
    await expect(message).toHaveText(
      'This license is suspended. Your notes are still here to read and export. Contact the vendor to restore it.',
    )
    expect(await remediationCodes(page)).toEqual(['contact_vendor'])
    await expectGated(
      page.getByTestId('new-note'),
      'Your license is suspended. Contact the vendor to restore it.',
    )
    await expectGated(
      page.getByRole('button', { name: 'From template' }),
      'Your license is suspended. Contact the vendor to restore it.',
    )
    await expect(page.getByRole('button', { name: 'Export all', exact: true })).toBeEnabled()
    await expectAccessible(page, 'suspended')
    await screenshotState(page, 'suspended')
  })

  test('clock suspect: says clock, names what is paused, hides dates; back online it checks by itself', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin)
    await writeSampleNotes(page)
    await context.setOffline(true)
    await setLastSeen(page, context, Date.now() + 60 * 60_000)

    const { chip, message } = statusOf(page)
    await expect(chip).toHaveText('clock problem')
    await expect(message).toHaveText(
      'Your device clock seems to be set in the past, so export, templates and sharing are paused. Correct it, or connect to the internet so Leeway Notes can check it.',
    )
    expect(await remediationCodes(page)).toEqual(['fix_clock'])
    await expect(page.locator('[data-code="fix_clock"]')).toContainText(
      'Correct it, or connect to the internet.',
    )
    // No "until" that the clock has already taken away.
    await expect(page.locator('#license dt').filter({ hasText: /offline until/ })).toHaveCount(0)
    await expectGated(
      page.getByRole('button', { name: 'From template' }),
      'Paused because your device clock looks wrong. Correct it or connect.',
    )
    await expect(page.getByTestId('new-note')).toBeEnabled()
    await expectAccessible(page, 'clock suspect')
    await screenshotState(page, 'clock-suspect')

    // Online again: the server's signed time is the authority, and the app asks for it unprompted.
    await context.setOffline(false)
    await expect(message).toHaveText(
      'Your Pro license is active. Everything works, online and offline.',
      { timeout: 20_000 },
    )
    await expect(chip).toHaveText('active')
    await expect(page.getByRole('button', { name: 'From template' })).toBeEnabled()
  })

  test('active and offline: names what waits for a connection, what has a date, what has none', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { state } = await licensedApp(app, admin)
    await writeSampleNotes(page)
    await context.setOffline(true)

    const { chip, message } = statusOf(page)
    await expect(message).toHaveText(
      `You're offline. Sharing waits for a connection. Export and templates keep working until ${dayText(state.graceEndsAt ?? 0)} (8 days left); writing notes and search have no time limit.`,
      { timeout: 10_000 },
    )
    await expect(chip).toHaveText('active')
    await expectAccessible(page, 'active offline')
    await screenshotState(page, 'active-offline')
  })
})
