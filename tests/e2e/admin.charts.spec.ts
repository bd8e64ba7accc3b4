import type { Page } from '@playwright/test'
import { RECONNECT_BUCKETS_MS } from '../../src/core/index.ts'
import { expectAccessible } from './support/appPage.ts'
import { AdminReader, screenshotAdmin, signIn } from './support/adminPage.ts'
import { expect, test } from './support/fixtures.ts'
import { SimulatedDevice } from './support/simulatedDevice.ts'

const days = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index).join(',')

/** The days (0–30) the timeline draws a feature as on. */
function daysOn(page: Page, feature: string): Promise<string | null> {
  return page
    .getByTestId('feature-timeline')
    .locator(`g[data-feature="${feature}"]`)
    .getAttribute('data-days-on')
}

interface TelemetryPoint {
  day: string
  devices: number
  counters: Record<string, number>
  reconnectToFresh: { bucketsMs: number[]; counts: number[] }
}

test.describe('charts in the admin dashboard', () => {
  test('the 30-day offline timeline of the demo policy, computed in the page', async ({ page }) => {
    await signIn(page, '#/timeline')
    await expect(page.getByLabel('Product', { exact: true })).toHaveValue('notes')
    await expect(page.getByLabel('Plan', { exact: true })).toHaveValue('pro')
    const chart = page.getByTestId('feature-timeline')
    await expect(chart.getByRole('img')).toBeVisible()

    // P1D re-check + P7D grace: window features end after day 7; always ones never; online ones
    // need a connection, which an offline device does not have.
    expect(await daysOn(page, 'notes.edit')).toBe(days(0, 30))
    expect(await daysOn(page, 'notes.search')).toBe(days(0, 30))
    expect(await daysOn(page, 'templates')).toBe(days(0, 7))
    expect(await daysOn(page, 'export.file')).toBe(days(0, 7))
    expect(await daysOn(page, 'share.link')).toBe('')
    await expect(chart.getByRole('img')).toHaveAccessibleName(
      /License active on day 0, grace days 1 to 7, limited from day 8\. .*templates: on days 0–7; off from day 8 \(recheck overdue\)/,
    )

    // The same, as a table for anyone who wants the numbers (keyboard: the summary toggles it).
    const summary = chart.getByText('Data table')
    await summary.focus()
    await page.keyboard.press('Enter')
    const table = chart.getByTestId('timeline-table')
    await expect(table.locator('tr[data-feature="templates"]')).toContainText(
      'window8 of 31on days 0–7; off from day 8 (recheck overdue)',
    )
    await expect(table.locator('tr[data-feature="notes.edit"]')).toContainText(
      'always31 of 31on every day',
    )
    await expect(table.locator('tr[data-feature="share.link"]')).toContainText(
      'off days 0–7 (needs a connection); off from day 8 (recheck overdue)',
    )
    await expectAccessible(page, 'timeline')
    await screenshotAdmin(page, 'timeline')
    await page.emulateMedia({ colorScheme: 'dark' })
    await expectAccessible(page, 'timeline, dark')
    await screenshotAdmin(page, 'timeline-dark')
    await page.emulateMedia({ colorScheme: 'light' })

    // Another plan, and a license's own windows.
    await page.getByLabel('Plan', { exact: true }).selectOption('free')
    expect(await daysOn(page, 'templates')).toBe('')
    await expect(table.locator('tr[data-feature="templates"]')).toContainText(
      'off every day (not in this plan)',
    )
    await page.getByLabel('Plan', { exact: true }).selectOption('pro')
    await page.getByLabel('Grace', { exact: true }).fill('P3D')
    await expect.poll(() => daysOn(page, 'templates')).toBe(days(0, 3))
    await page.getByLabel('Re-check every', { exact: true }).fill('never')
    await expect.poll(() => daysOn(page, 'templates')).toBe(days(0, 30))
    await page.getByLabel('Re-check every', { exact: true }).fill('soon')
    await expect(page.getByRole('alert')).toContainText('Re-check every: an ISO 8601 duration')
  })

  test("a license's page links to its plan's timeline, and a draft manifest can be previewed", async ({
    page,
    admin,
  }) => {
    const { id } = await admin.createLicense({ plan: 'pro', grace: 'P2D' })
    await signIn(page, `#/licenses/${id}`)
    await page.getByRole('link', { name: 'What its devices keep offline, day by day' }).click()
    await expect(page.getByRole('heading', { name: 'Offline timeline' })).toBeFocused()
    await expect(page.getByLabel('Grace', { exact: true })).toHaveValue('P2D')
    await expect.poll(() => daysOn(page, 'templates')).toBe(days(0, 2))

    // A longer grace in the editor, not applied: the timeline can show the draft.
    await page.getByRole('link', { name: 'Manifest', exact: true }).click()
    const editor = page.getByLabel('Manifest JSON')
    await expect(editor).not.toHaveValue('')
    await editor.fill((await editor.inputValue()).replace('"grace": "P7D"', '"grace": "P14D"'))
    await page.getByRole('link', { name: 'Offline timeline of this draft' }).click()
    await page.getByLabel('Grace', { exact: true }).fill('')
    await expect.poll(() => daysOn(page, 'templates')).toBe(days(0, 7))
    await page.getByLabel('Policy', { exact: true }).selectOption('draft')
    await expect.poll(() => daysOn(page, 'templates')).toBe(days(0, 14))
  })

  test('telemetry charts say so when no series has enough devices', async ({ page }) => {
    await page.route('**/admin/v1/telemetry?**', (route) =>
      route.fulfill({
        json: { from: '2026-01-01', to: '2026-01-30', minDevices: 5, suppressed: 2, series: [] },
      }),
    )
    await signIn(page, '#/insights')
    for (const id of ['chart-success-rate', 'chart-reconnect', 'chart-revocations']) {
      await expect(page.getByTestId(id).getByTestId('chart-empty')).toHaveText(
        'No data yet (fewer than 5 devices report).',
      )
      await expect(page.getByTestId(id).getByRole('img')).toHaveCount(0)
    }
    await expect(page.getByTestId('suppressed')).toHaveText(
      '2 series are withheld: fewer than 5 devices reported.',
    )
    await expectAccessible(page, 'insights, no data')
  })

  test('telemetry from five devices: success rate, reconnection times, revocations', async ({
    page,
    admin,
    request,
  }) => {
    const reader = new AdminReader(request)
    const { key } = await admin.createLicense({ seats: 6 })
    const reports = [
      { ok: 6, failed: 0, revocations: 0, bucket: 0 },
      { ok: 5, failed: 1, revocations: 0, bucket: 1 },
      { ok: 4, failed: 2, revocations: 1, bucket: 1 },
      { ok: 3, failed: 3, revocations: 0, bucket: 2 },
      { ok: 2, failed: 1, revocations: 1, bucket: 4 },
    ]
    for (const [index, report] of reports.entries()) {
      const device = await SimulatedDevice.activate(request, key, `Reporting device ${index + 1}`)
      const reconnectCounts = RECONNECT_BUCKETS_MS.map(() => 0).concat(0)
      reconnectCounts[report.bucket] = 2
      const answer = await device.recheck({
        product: 'notes',
        counters: {
          startsOffline: 1,
          startsOnline: 3,
          graceEntered: 0,
          graceEnded: 0,
          rechecksOk: report.ok,
          rechecksFailed: report.failed,
          revocationsSeen: report.revocations,
        },
        reconnectCounts,
      })
      expect(answer.telemetry?.accepted).toBe(true)
    }

    // What the API reports today, all series added up: the charts must say the same.
    const today = new Date().toISOString().slice(0, 10)
    const { series } = await reader.get<{ series: TelemetryPoint[] }>(
      `/telemetry?from=${today}&to=${today}`,
    )
    expect(series.length).toBeGreaterThan(0)
    expect(series.every((point) => point.devices >= 5)).toBe(true)
    const sum = (name: string) =>
      series.reduce((total, point) => total + (point.counters[name] ?? 0), 0)
    const rate = Math.round((100 * sum('rechecksOk')) / (sum('rechecksOk') + sum('rechecksFailed')))
    const buckets = RECONNECT_BUCKETS_MS.map((_, index) =>
      series.reduce((total, point) => total + (point.reconnectToFresh.counts[index] ?? 0), 0),
    )

    await signIn(page, '#/insights')
    const success = page.getByTestId('chart-success-rate').getByRole('img')
    await expect(success).toHaveAccessibleName(new RegExp(`latest ${rate}% on `))
    const reconnect = page.getByTestId('chart-reconnect').getByRole('img')
    await expect(reconnect).toHaveAccessibleName(
      new RegExp(
        `≤ 1 s ${buckets[0]}, ≤ 5 s ${buckets[1]}, ≤ 15 s ${buckets[2]}, ≤ 1 min ${buckets[3]}, ≤ 5 min ${buckets[4]},`,
      ),
    )
    await expect(page.getByTestId('chart-revocations').getByRole('img')).toHaveAccessibleName(
      new RegExp(`^${sum('revocationsSeen')} revocations seen by devices in this period`),
    )
    // Bars are drawn for the day with data.
    await expect(page.getByTestId('chart-success-rate').locator('rect')).toHaveCount(1)

    // Devices by state, counted over the licenses loaded (the first page), as the API says.
    const firstPage = await reader.get<{ items: { id: string }[] }>('/licenses?limit=20')
    const counts = { active: 0, released: 0, removed: 0 }
    for (const { id } of firstPage.items) {
      const license = await reader.get<{ devices: { state: keyof typeof counts }[] }>(
        `/licenses/${id}`,
      )
      for (const device of license.devices) counts[device.state] += 1
    }
    const devices = page.getByTestId('chart-device-state')
    if (counts.active + counts.released + counts.removed === 0) {
      await expect(devices.getByTestId('chart-empty')).toHaveText(
        'No device has activated a license yet.',
      )
    } else {
      await expect(devices.getByRole('img')).toHaveAccessibleName(
        `Devices by state: ${counts.active} active, ${counts.released} released, ${counts.removed} removed.`,
      )
    }
    await expect(page.getByTestId('chart-license-status').getByRole('img')).toHaveAccessibleName(
      /^Licenses by status: \d+ active, \d+ expired, \d+ suspended, \d+ revoked\.$/,
    )

    await expectAccessible(page, 'insights')
    await screenshotAdmin(page, 'insights')
    await page.emulateMedia({ colorScheme: 'dark' })
    await expectAccessible(page, 'insights, dark')
    await page.emulateMedia({ colorScheme: 'light' })
  })

  test('every view is reachable from the keyboard', async ({ page }) => {
    await signIn(page)
    for (const [tab, heading] of [
      ['Manifest', 'Manifest'],
      ['Insights', 'Insights'],
      ['Timeline', 'Offline timeline'],
      ['Licenses', 'Licenses'],
    ] as const) {
      await page
        .getByRole('navigation', { name: 'Dashboard' })
        .getByRole('link', { name: tab })
        .focus()
      await page.keyboard.press('Enter')
      await expect(page.getByRole('heading', { name: heading, level: 2 })).toBeFocused()
    }
    // The skip link leads past the header.
    await page.keyboard.press('Shift+Tab')
    await page.reload()
    await page.keyboard.press('Tab')
    await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused()
  })
})
