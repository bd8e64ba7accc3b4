import type { Page } from '@playwright/test'
import { expect, SERVER, test } from './support/fixtures.ts'

// Issue #14, item 9, as a browser meets it: the layout must not jump when the license state
// arrives (Lighthouse measured CLS 0.31 on desktop, from the status line), and the real built app
// comes compressed, its hashed assets cached for good.

interface Shift {
  value: number
  /** What moved, each as `tag.class`, and whether it is inside the license panel. */
  sources: { node: string; inLicensePanel: boolean }[]
}

/** Records every layout shift from the start of the page's life (buffered), with what moved. */
async function recordShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const shifts: Shift[] = []
    ;(window as unknown as { __shifts: Shift[] }).__shifts = shifts
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & {
        value: number
        hadRecentInput: boolean
        sources?: { node?: Node | null }[]
      })[]) {
        if (entry.hadRecentInput) continue
        shifts.push({
          value: entry.value,
          sources: (entry.sources ?? []).map(({ node }) => ({
            node:
              node instanceof Element
                ? `${node.tagName.toLowerCase()}.${[...node.classList].join('.')}`
                : String(node?.nodeName),
            inLicensePanel: node instanceof Element && node.closest('.license-column') !== null,
          })),
        })
      }
    }).observe({ type: 'layout-shift', buffered: true })
  })
}

const shiftsOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { __shifts: Shift[] }).__shifts)

/** The status line's box and where its message starts: what the rest of the page sits under. */
const statusBox = (page: Page) =>
  page.evaluate(() => {
    const line = document.querySelector('.status-line')
    const text = document.querySelector('[data-testid="status-message"]')
    if (!line || !text) return null
    const box = line.getBoundingClientRect()
    return { top: box.top, height: box.height, textLeft: text.getBoundingClientRect().left }
  })

// Lighthouse's desktop screen, a tablet (one panel at a time, the message beside the chip) and a
// small phone (the message under the chip).
for (const viewport of [
  { name: 'desktop', width: 1350, height: 940 },
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'phone', width: 360, height: 640 },
]) {
  test(`the status line keeps its place when the license state arrives (${viewport.name})`, async ({
    browser,
    app,
    admin,
  }) => {
    const context = await browser.newContext({ viewport })
    const page = await context.newPage()
    await recordShifts(page)
    // First visit: nothing activated, the worker installing, "Starting the license service…" first.
    await page.goto(`${app.origin}/`)
    await expect(page.getByTestId('license-status')).toBeVisible()
    const starting = await statusBox(page)
    await expect(page.getByTestId('license-status')).not.toHaveText('starting', { timeout: 15_000 })
    await page.waitForTimeout(1_000)
    expect(await statusBox(page)).toEqual(starting)
    if (viewport.name === 'phone')
      await page.screenshot({ path: 'docs/screenshots/status-line-reserved-360.png' })

    // A licensed device loading again: its state comes from the worker, in other words.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
    const license = await admin.createLicense()
    await page.evaluate(async (licenseKey) => {
      await fetch('/_license/activate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-leeway-request': '1' },
        body: JSON.stringify({ licenseKey, deviceName: 'Layout test' }),
      })
    }, license.key)
    const before = (await shiftsOf(page)).length
    await page.reload()
    await expect(page.getByTestId('license-status')).toHaveText(/active/i, { timeout: 15_000 })
    await page.waitForTimeout(1_000)
    expect(await statusBox(page)).toEqual(starting)

    // Nothing outside the license panel moved on either load: not the status line, the tabs, the
    // notes or the footer. (The panel's own content, which replaces "Starting…" with the form or
    // the facts, is the panel's to settle.)
    const shifts = await shiftsOf(page)
    const outside = shifts.filter((shift) => shift.sources.some((s) => !s.inLicensePanel))
    expect(outside, JSON.stringify(shifts)).toEqual([])
    const score = (list: Shift[]) => list.reduce((sum, shift) => sum + shift.value, 0)
    test.info().annotations.push({
      type: 'layout shift',
      description: `first load ${score(shifts.slice(0, before)).toFixed(4)}, licensed reload ${score(shifts.slice(before)).toFixed(4)}`,
    })
    await context.close()
  })
}

// Lighthouse's phone (412 px wide) saw CLS 0.252 on some runs: Chromium offered installation
// (beforeinstallprompt) a few hundred milliseconds in, the Install button joined the theme select in
// the top bar, the two no longer fitted beside the title and wrapped to a second row, and everything
// under the bar moved down 38 px. Lighthouse counted it only when it came within 500 ms of its
// viewport emulation (it flags the shift as "recent input"), hence the intermittent score.
for (const viewport of [
  { name: 'phone', width: 412, height: 823 },
  { name: 'small phone', width: 320, height: 640 },
  { name: 'desktop', width: 1350, height: 940 },
]) {
  test(`an install offer moves nothing on the page (${viewport.name})`, async ({
    browser,
    app,
  }) => {
    const context = await browser.newContext({ viewport })
    const page = await context.newPage()
    await recordShifts(page)
    await page.goto(`${app.origin}/`)
    await expect(page.getByTestId('license-status')).not.toHaveText('starting', { timeout: 15_000 })
    await page.waitForTimeout(500)
    const before = await shiftsOf(page)
    await page.evaluate(() => {
      const event = new Event('beforeinstallprompt', { cancelable: true }) as Event & {
        prompt: () => Promise<void>
        userChoice: Promise<{ outcome: string }>
      }
      event.prompt = async () => undefined
      event.userChoice = new Promise(() => undefined)
      window.dispatchEvent(event)
    })
    await expect(page.getByRole('button', { name: 'Install' })).toBeVisible()
    await page.waitForTimeout(500)
    const after = (await shiftsOf(page)).slice(before.length)
    const score = after.reduce((sum, shift) => sum + shift.value, 0)
    expect(score, JSON.stringify(after)).toBe(0)
    // The whole first visit, worker answering included, stays under Lighthouse's "good" 0.1 by half.
    const total = [...before, ...after].reduce((sum, shift) => sum + shift.value, 0)
    expect(total, JSON.stringify(before)).toBeLessThan(0.05)
    await context.close()
  })
}

test('the built app comes compressed, its hashed assets cached for a year', async ({ page }) => {
  const responses: { url: string; headers: Record<string, string> }[] = []
  page.on('response', (response) => {
    responses.push({ url: response.url(), headers: response.headers() })
  })
  await page.goto(`${SERVER}/`)
  await page.waitForLoadState('networkidle')
  const document = responses.find((r) => r.url === `${SERVER}/`)
  expect(document?.headers['content-encoding']).toBe('br')
  expect(document?.headers['cache-control']).toBe('no-cache')
  const assets = responses.filter((r) => /\/assets\/[^/]+\.(js|css)$/.test(r.url))
  expect(assets.length).toBeGreaterThan(0)
  for (const asset of assets) {
    expect(asset.headers['content-encoding'], asset.url).toBe('br')
    expect(asset.headers['cache-control'], asset.url).toBe('public, max-age=31536000, immutable')
  }
  const worker = await page.request.get(`${SERVER}/sw.js`)
  expect(worker.headers()['cache-control']).toBe('no-cache')
})

test('a mistyped address shows a not-found page with a way to the app; a shared link is still the app', async ({
  page,
}) => {
  const response = await page.goto(`${SERVER}/notes/some-note`)
  expect(response?.status()).toBe(404)
  await expect(page.getByRole('heading', { name: 'Nothing here' })).toBeVisible()
  await page.getByRole('link', { name: 'Open the app' }).click()
  await expect(page).toHaveURL(`${SERVER}/`)
  const shared = await page.goto(`${SERVER}/s/shr_doesnotexist`)
  expect(shared?.status()).toBe(200)
})
