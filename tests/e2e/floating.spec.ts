import type { Page } from '@playwright/test'
import { expectAccessible, screenshotState, statusOf } from './support/appPage.ts'
import { AppDriver, expect, test } from './support/fixtures.ts'

// A floating license in the browser (#15): a laptop borrows one of its team's licenses for a trip,
// works offline through the borrow (the worker's clock moved on two days), gives it back early
// while still offline, and the slot is freed on the server at the next connection. Then closing
// the app gives the ordinary lease back at once, so a colleague's device gets in.

const DAY = 86_400_000
const TWO_DAYS = 2 * DAY

/**
 * Moves the service worker's clock `shift` ms away from the real one: the worker reads `Date.now`
 * at each call (sw/createLicenseHandler.ts). The worker must stay alive meanwhile; the steps
 * below keep it busy, well inside the browser's idle timeout.
 */
async function shiftWorkerClock(page: Page, shift: number): Promise<void> {
  const [worker] = page.context().serviceWorkers()
  if (!worker) throw new Error('no service worker')
  await worker.evaluate((by) => {
    const scope = self as unknown as { realNow?: () => number }
    scope.realNow ??= Date.now.bind(Date)
    const real = scope.realNow
    Date.now = () => real() + by
  }, shift)
}

test('borrow for a trip, work offline through it, give it back offline, and the slot is freed on reconnection', async ({
  app,
  admin,
  faults,
  page,
  browser,
}) => {
  const license = await admin.createLicense({
    seats: 5,
    floating: { maxConcurrent: 1, leaseLength: 'PT10M', maxBorrow: 'P7D' },
  })
  await app.open()
  const leased = await app.activate(license.key)
  expect(leased.floating).toMatchObject({ held: 'lease', maxConcurrent: 1 })
  const { chip, message } = statusOf(page)
  await expect(chip).toHaveText('active')
  const section = page.getByTestId('floating')
  await expect(section).toContainText('Up to 1 person uses this license at once.')

  // Borrow from the license panel: three days, the form's default.
  await section.getByRole('button', { name: 'Borrow' }).click()
  await expect(section.getByRole('status')).toContainText('Borrowed until')
  await expect(chip).toHaveText('borrowed')
  const borrowed = await app.state()
  expect(borrowed.floating?.held).toBe('borrow')
  expect(borrowed.floating?.endsAt ?? 0).toBeGreaterThan(Date.now() + TWO_DAYS)
  expect((await admin.leases(license.id)).map((lease) => lease.kind)).toEqual(['borrow'])
  await expect(section.getByRole('button', { name: 'Give it back now' })).toBeVisible()
  await expectAccessible(page, 'borrowed')
  await screenshotState(page, 'floating-borrowed')

  // On the plane: the license server out of reach, two days on. Everything still works, window
  // features too, though a node-locked license would be in its grace period by now.
  faults.setMode({ kind: 'refuse' })
  await shiftWorkerClock(page, TWO_DAYS)
  const away = await app.state()
  expect(away.status).toBe('active')
  expect(away.floating?.held).toBe('borrow')
  expect(away.features).toMatchObject({ 'notes.edit': true, templates: true, 'export.file': true })

  // Back early, still offline: given back here at once, queued for the server.
  await page.reload()
  await section.getByRole('button', { name: 'Give it back now' }).click()
  await expect(section.getByRole('status')).toContainText("Given back. You're offline")
  await expect(chip).toHaveText('given back')
  await expect(message).toContainText('You gave the borrowed license back')
  const returned = await app.state()
  expect(returned.status).toBe('unleased')
  expect(returned.floating?.returnPending).toBe(true)
  expect(returned.features['notes.edit']).toBe(false)
  // The server has not heard yet: the borrow still holds the slot there.
  expect((await admin.leases(license.id)).map((lease) => lease.kind)).toEqual(['borrow'])
  await screenshotState(page, 'floating-given-back')

  // Home: the trip was the worker's clock only, so it is put back, and the network comes back.
  await shiftWorkerClock(page, 0)
  faults.setMode({ kind: 'pass' })
  await page.getByRole('button', { name: 'Check now' }).click()
  // The return went first and freed the borrowed slot; the open app then took an ordinary lease.
  await expect
    .poll(async () => (await admin.leases(license.id)).map((lease) => lease.kind), {
      timeout: 15_000,
    })
    .toEqual(['lease'])
  const home = await app.waitForState((state) => state.floating?.held === 'lease')
  expect(home.floating?.returnPending).toBe(false)
  expect(home.status).toBe('active')
  expect(faults.log.some((request) => request.path === '/api/v1/lease/release')).toBe(true)

  // Closing the app gives the lease back at once: a colleague's device gets the one slot.
  await page.close({ runBeforeUnload: true })
  await expect
    .poll(async () => (await admin.leases(license.id)).length, { timeout: 15_000 })
    .toBe(0)
  const colleague = await browser.newContext()
  try {
    const other = new AppDriver(await colleague.newPage(), app.origin)
    await other.open()
    const theirs = await other.activate(license.key)
    expect(theirs.floating?.held).toBe('lease')
  } finally {
    await colleague.close()
  }
})

test('all in use: says until when at the latest, keeps notes readable, and "Try again" gets a freed slot', async ({
  app,
  admin,
  page,
  browser,
}) => {
  const license = await admin.createLicense({
    seats: 5,
    floating: { maxConcurrent: 1, leaseLength: 'PT10M' },
  })
  // A colleague holds the one slot.
  const colleague = await browser.newContext()
  const other = new AppDriver(await colleague.newPage(), app.origin)
  await other.open()
  await other.activate(license.key)
  try {
    await app.open()
    const refused = await app.call('/_license/activate', { licenseKey: license.key })
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({ error: { code: 'all_leases_in_use' } })
    await page.getByLabel('License key').fill(license.key)
    await page.getByRole('button', { name: 'Activate', exact: true }).click()
    await expect(page.getByRole('alert')).toContainText(
      'The one license of your team is in use; one frees up when someone closes Leeway Notes, at the latest at',
    )

    // The colleague closes the app; this device activates and the slot is its own. Then the
    // colleague comes back, and finds every slot taken.
    await other.page.close({ runBeforeUnload: true })
    await expect
      .poll(async () => (await admin.leases(license.id)).length, { timeout: 15_000 })
      .toBe(0)
    await app.activate(license.key)
    const back = new AppDriver(await colleague.newPage(), app.origin)
    await back.open()
    const full = await back.waitForState(
      (state) => state.floating?.allInUse !== null && state.floating?.allInUse !== undefined,
    )
    expect(full.status).toBe('unleased')
    const them = statusOf(back.page)
    await expect(them.chip).toHaveText('all in use')
    await expect(them.message).toContainText(
      'The one license of your team is in use; one frees up when someone closes the app, at the latest at',
    )
    await expect(
      back.page.getByTestId('remediation').locator('[data-code="take_lease"]'),
    ).toBeVisible()
    await expectAccessible(back.page, 'all in use')
    await screenshotState(back.page, 'floating-all-in-use')

    // This device closes; "Try again" on the colleague's gets the slot.
    await page.close({ runBeforeUnload: true })
    await expect
      .poll(async () => (await admin.leases(license.id)).length, { timeout: 15_000 })
      .toBe(0)
    await back.page.getByRole('button', { name: 'Try again' }).click()
    await expect(them.chip).toHaveText('active')
  } finally {
    await colleague.close()
  }
})
