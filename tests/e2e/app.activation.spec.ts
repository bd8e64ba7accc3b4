import { execFileSync } from 'node:child_process'
import { exportKey, generateEcKeyPair, toPublicJwk } from '../../src/core/index.ts'
import { E2E_DATA } from '../../playwright.config.ts'
import {
  expectAccessible,
  LOCALE,
  SCREENSHOTS,
  screenshot,
  statusOf,
  TIME_ZONE,
  licensedApp,
} from './support/appPage.ts'
import { SERVER, expect, test } from './support/fixtures.ts'

test.use({ locale: LOCALE, timezoneId: TIME_ZONE })

test.describe('activating through the license panel', () => {
  test('a key typed in the panel activates the device', async ({ app, admin, page }) => {
    const { key } = await admin.createLicense()
    await app.open()
    await page.getByLabel('License key').fill(key)
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    await expect(statusOf(page).chip).toHaveText('active')
    await expect(page.getByRole('heading', { name: 'Activate this device' })).toHaveCount(0)
  })

  test('a wrong key says so and how to find the right one', async ({ app, page }) => {
    await app.open()
    await page.getByLabel('License key').fill('AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF')
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    const alert = page.locator('#activation-error')
    await expect(alert).toContainText('That license key was not recognised.')
    await expect(alert).toContainText('Check it for typos')
    await expect(page.getByLabel('License key')).toHaveAttribute('aria-invalid', 'true')
    await expect(statusOf(page).chip).toHaveText('unlicensed')
    await expectAccessible(page, 'wrong key')
  })

  test('seat limit reached: says how to free a seat', async ({ app, admin, page, request }) => {
    const { key } = await admin.createLicense({ seats: 1 })
    // Another device holds the only seat.
    const pair = await generateEcKeyPair(true)
    const publicKey = toPublicJwk(await exportKey(pair.publicKey))
    const taken = await request.post(`${SERVER}/api/v1/activate`, {
      data: {
        licenseKey: key,
        device: { id: 'dev_other_laptop', name: 'Old laptop', platform: 'linux', publicKey },
      },
    })
    expect(taken.status()).toBe(200)

    await app.open()
    await page.getByLabel('License key').fill(key)
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    const alert = page.locator('#activation-error')
    await expect(alert).toContainText('The one seat of this license is in use on another device.')
    await expect(alert).toContainText('choose “Deactivate this device”')
    await expect(alert).toContainText('ask your vendor to remove a device')
    await screenshot(page, 'activation-seat-limit-360', 360, 'license')
  })

  test('offline: says so and offers offline activation, which opens with one click', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { key } = await admin.createLicense()
    await app.open()
    await context.setOffline(true)
    await page.getByLabel('License key').fill(key)
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    const alert = page.locator('#activation-error')
    await expect(alert).toContainText("You're offline, so the key cannot be checked now.")
    await alert.getByRole('button', { name: 'Activate offline instead' }).click()
    await expect(page.getByRole('button', { name: 'Show request code' })).toBeVisible()
  })

  test('offline activation: request code as text and QR, a forged file refused, the real one pasted', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { key } = await admin.createLicense({ recheckEvery: null })
    await app.open()
    await context.setOffline(true)

    await page.getByText('Activate without internet on this device').click()
    await page.getByRole('button', { name: 'Show request code' }).click()
    const code = await page.getByLabel('Request code', { exact: true }).inputValue()
    expect(code.length).toBeGreaterThan(100)
    await expect(page.getByRole('img', { name: 'The request code as a QR code' })).toBeVisible()
    await expectAccessible(page, 'offline activation')
    await screenshot(page, 'offline-activation-360', 360, 'license')

    // On a connected machine with the server's data folder: the vendor's side of the exchange.
    const licenseFile = execFileSync(
      'node',
      ['bin/leeway.js', 'offline-activate', '--data', E2E_DATA, '--key', key, '--code', code],
      { encoding: 'utf8' },
    )

    // A file edited on the way is refused, through the file picker.
    const forged = licenseFile.replace(
      /"grant": "(.{40})./,
      (match, start: string) => `"grant": "${start}${match.endsWith('A') ? 'B' : 'A'}`,
    )
    await page.getByLabel('Or choose the file…').setInputFiles({
      name: 'license.json',
      mimeType: 'application/json',
      buffer: Buffer.from(forged),
    })
    await expect(page.getByRole('alert').filter({ hasText: 'license file' })).toBeVisible()
    await expect(statusOf(page).chip).toHaveText('unlicensed')

    await page.getByLabel('Paste the license file').fill(licenseFile)
    await page.getByRole('button', { name: 'Import license' }).click()
    await expect(statusOf(page).chip).toHaveText('active')
    await expect(page.locator('#license')).toContainText(
      'None needed: this license works offline for its whole term',
    )
  })

  test('a license file chosen with the file picker activates the device', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { key } = await admin.createLicense({ recheckEvery: null })
    await app.open()
    await context.setOffline(true)
    await page.getByText('Activate without internet on this device').click()
    await page.getByRole('button', { name: 'Show request code' }).click()
    const code = await page.getByLabel('Request code', { exact: true }).inputValue()
    const licenseFile = execFileSync(
      'node',
      ['bin/leeway.js', 'offline-activate', '--data', E2E_DATA, '--key', key, '--code', code],
      { encoding: 'utf8' },
    )
    await page.getByLabel('Or choose the file…').setInputFiles({
      name: 'license.json',
      mimeType: 'application/json',
      buffer: Buffer.from(licenseFile),
    })
    await expect(statusOf(page).chip).toHaveText('active')
  })
})

test.describe('activating on a phone (360 px)', () => {
  test.use({ viewport: { width: 360, height: 780 } })

  test('the key field is on the first screen, holds a whole key, and shows six groups', async ({
    app,
    admin,
    page,
  }) => {
    const { key } = await admin.createLicense()
    await app.open()
    const field = page.getByLabel('License key')
    await expect(field).toBeInViewport({ ratio: 1 })
    await expect(page.getByRole('button', { name: 'Activate', exact: true })).toBeInViewport()
    await expect(field).toHaveAttribute('placeholder', 'XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX')
    expect(key.split('-')).toHaveLength(6)
    await field.fill(key)
    // Every character of the key in sight at once: nothing scrolled away inside the field.
    const fits = await field.evaluate((input) => input.scrollWidth <= input.clientWidth)
    expect(fits).toBe(true)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await page.screenshot({ path: `${SCREENSHOTS}/activation-first-screen-360.png` })
  })

  test('a wrong key: the error is in sight, right below the field', async ({ app, page }) => {
    await app.open()
    await page.getByLabel('License key').fill('AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF')
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    const alert = page.locator('#activation-error')
    await expect(alert).toContainText('That license key was not recognised.')
    await expect(alert).toBeInViewport({ ratio: 1 })
    await page.screenshot({ path: `${SCREENSHOTS}/activation-wrong-key-360.png` })
  })

  test('after activation the focus lands on what happened, not on the page body', async ({
    app,
    admin,
    page,
  }) => {
    const { key } = await admin.createLicense()
    await app.open()
    await page.getByLabel('License key').fill(key)
    await page.getByLabel('License key').press('Enter')
    await expect(statusOf(page).chip).toHaveText('active')
    const note = page.locator('#activated-note')
    await expect(note).toHaveText('This device is activated. Go to your notes')
    await expect(note).toBeFocused()
    await note.getByRole('link', { name: 'Go to your notes' }).click()
    await expect(page.getByTestId('new-note')).toBeEnabled()
  })
})

test.describe('deactivating this device', () => {
  test('offline: queued and said so; online: completes, the seat is freed', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const { id } = await licensedApp(app, admin)
    await context.setOffline(true)

    await page.getByRole('button', { name: 'Deactivate this device' }).click()
    await page.getByRole('button', { name: 'Deactivate now' }).click()
    await expect(
      page.getByText("You're offline, so the deactivation is queued. It completes as soon as"),
    ).toBeVisible()
    await expect(page.getByTestId('pending-deactivation')).toBeVisible()
    await expect(page.getByTestId('status-detail')).toHaveText(
      'Deactivation of this device is waiting for a connection; it completes as soon as you are online.',
    )
    expect((await admin.devices(id)).map((device) => device.state)).toEqual(['active'])
    await screenshot(page, 'deactivation-queued-1280', 1280)

    await context.setOffline(false)
    await expect(statusOf(page).chip).toHaveText('deactivated', { timeout: 20_000 })
    await expect(statusOf(page).message).toHaveText(
      'This device was deactivated today and its seat is free. Your notes are still here to read. Activate again to keep writing here.',
    )
    await expect(page.getByTestId('pending-deactivation')).toHaveCount(0)
    await expect
      .poll(async () => (await admin.devices(id)).map((device) => device.state))
      .toEqual(['released'])
    // The way back is in the panel: the same key, on the same device.
    await expect(page.getByLabel('License key')).toBeVisible()
  })

  test('online: completes at once', async ({ app, admin, page }) => {
    const { id } = await licensedApp(app, admin)
    await page.getByRole('button', { name: 'Deactivate this device' }).click()
    await page.getByRole('button', { name: 'Deactivate now' }).click()
    await expect(
      page.getByText('This device is deactivated and its seat is free for another device.'),
    ).toBeVisible()
    await expect(statusOf(page).chip).toHaveText('deactivated')
    expect((await admin.devices(id)).map((device) => device.state)).toEqual(['released'])
  })
})
