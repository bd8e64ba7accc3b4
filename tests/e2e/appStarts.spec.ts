import type { Page } from '@playwright/test'
import { licensedApp, restartWorker } from './support/appPage.ts'
import { expect, test } from './support/fixtures.ts'
import type { AdminClient, AppDriver } from './support/fixtures.ts'

// Opt-in telemetry counts app starts, online and offline. The app's page loads are answered by
// Workbox's precache route, whose fetch listener calls respondWith, and respondWith stops the
// event from reaching any listener after it: a start counted from the navigation in a fetch
// listener of Leeway's, added after Workbox's, was never counted. The page's first state request
// now counts it, whichever listener answers the navigation.

/** The worker's telemetry counters of app starts (kept unsealed: counts only, nothing personal). */
async function appStarts(page: Page): Promise<{ online: number; offline: number }> {
  return page.evaluate(async () => {
    // The worker made the database when the app opened: opening it here cannot create an empty one.
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('leeway')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const record = await new Promise<{ value?: { counters?: Record<string, number> } } | undefined>(
      (resolve, reject) => {
        const request = db.transaction('telemetry').objectStore('telemetry').get('counters')
        request.onsuccess = () => resolve(request.result as never)
        request.onerror = () => reject(request.error)
      },
    )
    db.close()
    const counters = record?.value?.counters
    return { online: counters?.startsOnline ?? 0, offline: counters?.startsOffline ?? 0 }
  })
}

/** The app licensed and telemetry on: the counts before any start that will be counted. */
async function countingApp(app: AppDriver, admin: AdminClient) {
  await licensedApp(app, admin)
  expect((await app.call('/_license/telemetry', { optIn: true })).status).toBe(200)
  return appStarts(app.page)
}

test.describe('app starts, counted with consent', () => {
  test('Should count a start whose page the precache served - a reload, a worker started by the navigation, a reload offline', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const before = await countingApp(app, admin)

    await page.reload()
    await expect.poll(() => appStarts(page)).toEqual({ ...before, online: before.online + 1 })

    // The browser stopped the idle worker; the page load starts it again.
    await restartWorker(page, context)
    await expect.poll(() => appStarts(page)).toEqual({ ...before, online: before.online + 2 })

    // Offline, the page comes from the precache alone. Whether the start counts as online or
    // offline is what the worker knows of the network then (its navigator.onLine, which Chromium's
    // offline emulation may not reach, and its last check, which succeeded): only the count is asked.
    await context.setOffline(true)
    await page.reload()
    await expect(page.getByTestId('license-status')).toHaveText('active')
    await expect
      .poll(async () => {
        const after = await appStarts(page)
        return after.online + after.offline
      })
      .toBe(before.online + before.offline + 3)
  })

  test('Should not count what is not a page load - state asked again, actions, a second tab counts once', async ({
    app,
    admin,
    context,
    page,
  }) => {
    const before = await countingApp(app, admin)
    await app.state()
    await app.call('/_license/recheck', {})
    const second = await context.newPage()
    await app.open(second)
    await expect.poll(() => appStarts(page)).toEqual({ ...before, online: before.online + 1 })
    await second.close()
  })
})
