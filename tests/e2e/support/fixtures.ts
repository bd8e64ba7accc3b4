import { test as base, expect } from '@playwright/test'
import type { Page } from '@playwright/test'
import type { ServedLicenseState } from '../../../src/core/index.ts'
import { E2E_DATA, E2E_PORT } from '../../../playwright.config.ts'
import { startFaultProxy } from '../../support/faultProxy.ts'
import type { FaultProxy } from '../../support/faultProxy.ts'
import { AdminClient } from './vendor.ts'

// The vendor's side is shared with the Firefox and WebKit suite (tests/engines).
export { AdminClient, SHORT_WINDOWS, validateCalls } from './vendor.ts'
export type { ManifestJson, NewLicense } from './vendor.ts'

/** The license server the suite runs against (started by playwright.config.ts). */
export const SERVER = `http://127.0.0.1:${E2E_PORT}`

/** The user's side: the app in a page served through the fault proxy, and its worker's endpoints. */
export class AppDriver {
  readonly page: Page
  readonly origin: string

  constructor(page: Page, origin: string) {
    this.page = page
    this.origin = origin
  }

  /** Loads the app and waits until its service worker controls the page. */
  async open(page: Page = this.page): Promise<Page> {
    await page.goto(`${this.origin}/`)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 15_000,
    })
    return page
  }

  async state(page: Page = this.page): Promise<ServedLicenseState> {
    return page.evaluate(
      async () => (await (await fetch('/_license/state')).json()) as ServedLicenseState,
    )
  }

  async call(
    path: string,
    body?: unknown,
    page: Page = this.page,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return page.evaluate(
      async ({ path, body }) => {
        const response = await fetch(path, {
          method: body === undefined ? 'GET' : 'POST',
          // As the app's client sends it (src/client/licenseActions.ts).
          headers: { 'content-type': 'application/json', 'x-leeway-request': '1' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      },
      { path, body },
    )
  }

  /** Activates through the worker and expects it to succeed. */
  async activate(licenseKey: string): Promise<ServedLicenseState> {
    const answer = await this.call('/_license/activate', { licenseKey, deviceName: 'Test browser' })
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return answer.body as unknown as ServedLicenseState
  }

  /** Polls the state (each poll may start a due re-check) until `accept` holds. */
  async waitForState(
    accept: (state: ServedLicenseState) => boolean,
    options: { timeout?: number; message?: string } = {},
  ): Promise<ServedLicenseState> {
    let last: ServedLicenseState | undefined
    await expect
      .poll(
        async () => {
          last = await this.state()
          return accept(last)
        },
        { timeout: options.timeout ?? 20_000, intervals: [250], message: options.message },
      )
      .toBe(true)
    if (!last) throw new Error('no state was read')
    return last
  }
}

export const test = base.extend<{ faults: FaultProxy; admin: AdminClient; app: AppDriver }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies this way
  faults: async ({}, use) => {
    const proxy = await startFaultProxy({ target: SERVER })
    await use(proxy)
    await proxy.close()
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies this way
  admin: async ({}, use) => {
    await use(new AdminClient(SERVER, E2E_DATA))
  },
  app: async ({ page, faults }, use) => {
    await use(new AppDriver(page, faults.url))
  },
})

export { expect }
