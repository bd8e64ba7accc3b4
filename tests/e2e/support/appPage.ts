import { mkdirSync } from 'node:fs'
import { AxeBuilder } from '@axe-core/playwright'
import type { BrowserContext, Locator, Page } from '@playwright/test'
import type { ServedLicenseState } from '../../../src/core/index.ts'
import { expect } from './fixtures.ts'
import type { AdminClient, AppDriver, NewLicense } from './fixtures.ts'

/** Where the app's screenshots go; the README links them. */
export const SCREENSHOTS = 'docs/screenshots'

/** The time zone and language the app suite reads dates in, so expected strings are fixed. */
export const LOCALE = 'en-GB'
export const TIME_ZONE = 'UTC'

/** A day as the app writes it ("Fri 5 Dec"), or "today". */
export function dayText(ms: number, now: number = Date.now()): string {
  const format = (value: number) =>
    new Intl.DateTimeFormat(LOCALE, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      timeZone: TIME_ZONE,
    }).format(value)
  return format(ms) === format(now) ? 'today' : format(ms)
}

/** The status chip, the status message and the remediation list of the page. */
export function statusOf(page: Page): { chip: Locator; message: Locator; steps: Locator } {
  return {
    chip: page.getByTestId('license-status'),
    message: page.getByTestId('status-message'),
    steps: page.getByTestId('remediation').locator('li'),
  }
}

/** The codes of the remediation steps shown, in order. */
export async function remediationCodes(page: Page): Promise<string[]> {
  return page
    .getByTestId('remediation')
    .locator('li')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-code') ?? ''))
}

/**
 * Expects a gated control to be disabled (aria-disabled, still focusable) and to say `reason` when
 * focused from the keyboard.
 */
export async function expectGated(control: Locator, reason: string | RegExp): Promise<void> {
  await expect(control).toBeDisabled()
  await expect(control).toHaveAttribute('aria-disabled', 'true')
  await control.focus()
  await expect(control).toBeFocused()
  const id = await control.getAttribute('aria-describedby')
  expect(id).toBeTruthy()
  const tooltip = control.page().locator(`[id="${id}"]`)
  await expect(tooltip).toBeVisible()
  await expect(tooltip).toHaveText(reason)
  await control.blur()
}

/** Expects no serious or critical accessibility violation (axe-core, WCAG 2.1 A and AA). */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze()
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5),
    }))
  expect(serious, `${label}: ${JSON.stringify(serious, null, 2)}`).toEqual([])
}

/**
 * Writes `docs/screenshots/NAME-1280.png` (both panels) and `NAME-360.png` (the license view on a
 * phone), then puts the page back as it was.
 */
export async function screenshotState(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const before = page.viewportSize() ?? { width: 1280, height: 720 }
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.screenshot({
    path: `${SCREENSHOTS}/${name}-1280.png`,
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
  })
  await page.setViewportSize({ width: 360, height: 780 })
  await page.evaluate(() => {
    location.hash = '#license'
    window.scrollTo(0, 0)
  })
  await expect(page.locator('#license-heading')).toBeVisible()
  await page.evaluate(() => window.scrollTo(0, 0))
  // Nothing may force a phone to scroll sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
  await page.screenshot({
    path: `${SCREENSHOTS}/${name}-360.png`,
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
  })
  await page.evaluate(() => {
    location.hash = '#notes'
  })
  await page.setViewportSize(before)
}

/** Writes one screenshot of the page as it is, at `width`; on a phone, of `view` (notes or license). */
export async function screenshot(
  page: Page,
  name: string,
  width: number,
  view: 'notes' | 'license' = 'notes',
): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const before = page.viewportSize() ?? { width: 1280, height: 720 }
  await page.setViewportSize({ width, height: width < 500 ? 780 : 900 })
  if (view === 'license') {
    await page.evaluate(() => {
      location.hash = '#license'
    })
    await expect(page.locator('#license-heading')).toBeVisible()
  }
  await page.screenshot({
    path: `${SCREENSHOTS}/${name}.png`,
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
  })
  await page.setViewportSize(before)
}

/**
 * Moves the worker's clock guard forward, as if this device had once seen a later time: its clock
 * now reads as set in the past. `lastSeen` is sealed in the worker's high-water record, so this
 * opens and seals it again with the app's own key, as only script running in the app's origin can.
 * The worker is restarted so it reads the store again.
 */
export async function setLastSeen(page: Page, context: BrowserContext, lastSeen: number) {
  await page.evaluate(async (value) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('leeway')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const get = <T>(store: string, key: string) =>
      new Promise<T>((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).get(key)
        request.onsuccess = () => resolve(request.result as T)
        request.onerror = () => reject(request.error)
      })
    const sealing = await get<{ key: CryptoKey }>('keys', 'sealing')
    const record = await get<{ iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer }>(
      'records',
      'check-hw',
    )
    const additionalData = new TextEncoder().encode('check-hw')
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: record.iv, additionalData },
      sealing.key,
      record.data,
    )
    const highWater = JSON.parse(new TextDecoder().decode(plain)) as { lastSeen: number | null }
    highWater.lastSeen = value
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const data = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData },
      sealing.key,
      new TextEncoder().encode(JSON.stringify(highWater)),
    )
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('records', 'readwrite')
      tx.objectStore('records').put({ name: 'check-hw', iv, data })
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
    })
    db.close()
  }, lastSeen)
  await restartWorker(page, context)
}

/**
 * Stops the service worker and reloads the page: the new worker reads the store again, as after
 * the browser stopped an idle worker.
 */
export async function restartWorker(page: Page, context: BrowserContext): Promise<void> {
  const cdp = await context.newCDPSession(page)
  await cdp.send('ServiceWorker.enable')
  await cdp.send('ServiceWorker.stopAllWorkers')
  await page.reload()
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
}

/** A date and time as the license panel writes it ("28 Nov 2026, 14:39"). */
export function dateTimeText(ms: number): string {
  return new Intl.DateTimeFormat(LOCALE, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: TIME_ZONE,
  }).format(ms)
}

/** Writes a note through the interface, as a user would, and waits until it is saved. */
export async function writeNote(page: Page, title: string, body: string): Promise<void> {
  await page.getByTestId('new-note').click()
  await expect(page.locator('#note-title')).toBeFocused()
  await page.locator('#note-title').fill(title)
  await page.locator('#note-body').fill(body)
  await expect(page.getByText('Saved on this device')).toBeVisible()
  await expect(page.getByRole('button', { name: new RegExp(`^${title}`) })).toBeVisible()
}

/** Two notes, so screenshots show the product with work in it. */
export async function writeSampleNotes(page: Page): Promise<void> {
  await writeNote(page, 'Trip to Lisbon', 'Flights on Friday.\nPastéis de nata at Belém.\nTram 28.')
  await writeNote(page, 'Groceries', 'Milk\nEggs\nCoffee beans')
}

/** Activates through the worker and waits until the page shows the license as active. */
export async function activated(app: AppDriver, key: string): Promise<ServedLicenseState> {
  const state = await app.activate(key)
  await expect(app.page.getByTestId('license-status')).toHaveText('active')
  return state
}

/**
 * What most tests start from: a new license from the vendor, the app opened, and the device
 * activated with it, the page showing it as active.
 */
export async function licensedApp(
  app: AppDriver,
  admin: AdminClient,
  license: NewLicense = {},
): Promise<{ id: string; key: string; state: ServedLicenseState }> {
  const { id, key } = await admin.createLicense(license)
  await app.open()
  return { id, key, state: await activated(app, key) }
}

/** The value the license panel shows for `label` ("Last verified", "Next check", …). */
export function fact(page: Page, label: string): Locator {
  return page
    .locator('#license dt')
    .filter({ hasText: new RegExp(`^${label}$`) })
    .locator('xpath=following-sibling::dd[1]')
}
