import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test as base, expect } from '@playwright/test'
import type { APIRequestContext, Page } from '@playwright/test'
import type { ServedLicenseState } from '../../../src/core/index.ts'
import { E2E_DATA, E2E_PORT } from '../../../playwright.config.ts'
import { startFaultProxy } from '../../support/faultProxy.ts'
import type { FaultProxy } from '../../support/faultProxy.ts'

/** The license server the suite runs against (started by playwright.config.ts). */
export const SERVER = `http://127.0.0.1:${E2E_PORT}`

export interface NewLicense {
  plan?: string
  seats?: number
  termEnd?: number
  recheckEvery?: string | null
  grace?: string
}

/** A manifest as the admin API holds it (src/core/manifest.ts); loose, since tests change it. */
export type ManifestJson = { products: Record<string, Record<string, unknown>> }

/** The vendor's side: the admin API, called directly (never through the proxy). */
export class AdminClient {
  readonly #request: APIRequestContext
  readonly #headers: Record<string, string>

  constructor(request: APIRequestContext) {
    this.#request = request
    this.#headers = {
      authorization: `Bearer ${readFileSync(join(E2E_DATA, 'admin-token'), 'utf8').trim()}`,
    }
  }

  async createLicense(license: NewLicense = {}): Promise<{ id: string; key: string }> {
    const response = await this.#request.post(`${SERVER}/admin/v1/licenses`, {
      headers: this.#headers,
      data: { product: 'notes', plan: 'pro', seats: 2, ...license },
    })
    expect(response.status()).toBe(201)
    return (await response.json()) as { id: string; key: string }
  }

  async post(path: string, data: unknown = {}): Promise<unknown> {
    const response = await this.#request.post(`${SERVER}/admin/v1${path}`, {
      headers: this.#headers,
      data,
    })
    expect(response.ok(), `${path}: ${await response.text()}`).toBe(true)
    return response.json()
  }

  async delete(path: string): Promise<void> {
    const response = await this.#request.delete(`${SERVER}/admin/v1${path}`, {
      headers: this.#headers,
    })
    expect(response.ok(), `${path}: ${await response.text()}`).toBe(true)
  }

  /** Publishes `manifest` and answers the one it replaced, to put back after the test. */
  async replaceManifest(change: (manifest: ManifestJson) => ManifestJson): Promise<ManifestJson> {
    const current = await this.#request.get(`${SERVER}/admin/v1/manifest`, {
      headers: this.#headers,
    })
    expect(current.ok()).toBe(true)
    const before = ((await current.json()) as { manifest: ManifestJson }).manifest
    const response = await this.#request.put(`${SERVER}/admin/v1/manifest`, {
      headers: this.#headers,
      data: change(structuredClone(before)),
    })
    expect(response.ok(), await response.text()).toBe(true)
    return before
  }

  async devices(licenseId: string): Promise<{ id: string; state: string }[]> {
    const response = await this.#request.get(`${SERVER}/admin/v1/licenses/${licenseId}/devices`, {
      headers: this.#headers,
    })
    return ((await response.json()) as { items: { id: string; state: string }[] }).items
  }
}

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
  admin: async ({ request }, use) => {
    await use(new AdminClient(request))
  },
  app: async ({ page, faults }, use) => {
    await use(new AppDriver(page, faults.url))
  },
})

export { expect }

/** Short windows, so a test sees a whole cycle in seconds: re-check due at 2 s, grace from 4 s to 8 s. */
export const SHORT_WINDOWS = { recheckEvery: 'PT4S', grace: 'PT4S' } as const

/** The validate calls the proxy saw. */
export function validateCalls(proxy: FaultProxy): { at: number; outcome: string }[] {
  return proxy.log.filter((entry) => entry.path.startsWith('/api/v1/validate'))
}
