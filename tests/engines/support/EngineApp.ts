import { expect } from 'vitest'
import type { ServedLicenseState } from '../../../src/core/index.ts'
import type { EngineBrowser, EngineTab } from './engine.ts'

/**
 * The user's side in one engine: the demo app served through the fault proxy at `origin`, its
 * tabs, and its worker's endpoints called as the app's client calls them. The driver-neutral
 * counterpart of the Playwright suite's AppDriver (tests/e2e/support/fixtures.ts).
 */
export class EngineApp {
  readonly browser: EngineBrowser
  readonly origin: string
  readonly tabs: EngineTab[] = []

  constructor(browser: EngineBrowser, origin: string) {
    this.browser = browser
    this.origin = origin
  }

  /** The tab the test opened first. */
  get tab(): EngineTab {
    const first = this.tabs[0]
    if (!first) throw new Error('no tab is open: call open() first')
    return first
  }

  /** Opens the app in a new tab and waits until its service worker controls the page. */
  async open(): Promise<EngineTab> {
    const tab = await this.browser.newTab()
    this.tabs.push(tab)
    await tab.goto(`${this.origin}/`)
    await this.untilControlled(tab)
    return tab
  }

  /** Waits until the service worker controls `tab` (the first load is not controlled at once). */
  async untilControlled(tab: EngineTab = this.tab): Promise<void> {
    const controlled = await tab.evaluate(async () => {
      const deadline = Date.now() + 15_000
      while (!navigator.serviceWorker?.controller && Date.now() < deadline)
        await new Promise((done) => setTimeout(done, 100))
      return Boolean(navigator.serviceWorker?.controller)
    }, null)
    expect(controlled, 'the service worker controls the page').toBe(true)
  }

  async closeTabs(): Promise<void> {
    for (const tab of this.tabs.splice(0).reverse()) await tab.close()
  }

  async state(tab: EngineTab = this.tab): Promise<ServedLicenseState> {
    return tab.evaluate(async () => {
      const response = await fetch('/_license/state', { cache: 'no-store' })
      return (await response.json()) as ServedLicenseState
    }, null)
  }

  /** GETs (no body) or POSTs a worker endpoint as the app's client does (src/client/licenseActions.ts). */
  async call(
    path: string,
    body?: unknown,
    tab: EngineTab = this.tab,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return tab.evaluate(
      async ({ path, body }) => {
        const response = await fetch(path, {
          method: body === null ? 'GET' : 'POST',
          headers: { 'content-type': 'application/json', 'x-leeway-request': '1' },
          ...(body === null ? {} : { body: JSON.stringify(body) }),
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      },
      { path, body: body ?? null },
    )
  }

  /** Activates through the worker and expects it to succeed. */
  async activate(licenseKey: string, tab: EngineTab = this.tab): Promise<ServedLicenseState> {
    const answer = await this.call(
      '/_license/activate',
      { licenseKey, deviceName: 'Test browser' },
      tab,
    )
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return answer.body as unknown as ServedLicenseState
  }

  /** Polls the state (each poll may start a due re-check) until `accept` holds. */
  async waitForState(
    accept: (state: ServedLicenseState) => boolean,
    timeout = 20_000,
  ): Promise<ServedLicenseState> {
    let last: ServedLicenseState | undefined
    await expect
      .poll(
        async () => {
          last = await this.state()
          return accept(last)
        },
        { timeout, interval: 250 },
      )
      .toBe(true)
    if (!last) throw new Error('no state was read')
    return last
  }

  /** The text of the element that matches `selector` in `tab`, trimmed; null when there is none. */
  async text(selector: string, tab: EngineTab = this.tab): Promise<string | null> {
    return tab.evaluate(
      (selector) => document.querySelector(selector)?.textContent?.trim() ?? null,
      selector,
    )
  }

  /** What the status chip says, as the user reads it ("active", "limited", …). */
  chip(tab: EngineTab = this.tab): Promise<string | null> {
    return this.text('[data-testid="license-status"]', tab)
  }
}
