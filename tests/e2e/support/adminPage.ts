import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { APIRequestContext, Page } from '@playwright/test'
import { E2E_DATA } from '../../../playwright.config.ts'
import { SCREENSHOTS, expectAccessible } from './appPage.ts'
import { SERVER, expect } from './fixtures.ts'

/** The admin token of the e2e server's data folder. */
export function adminToken(): string {
  return readFileSync(join(E2E_DATA, 'admin-token'), 'utf8').trim()
}

/** Opens the dashboard and signs in with the real token, as a vendor would. */
export async function signIn(page: Page, hash = ''): Promise<void> {
  await page.goto(`${SERVER}/admin${hash}`)
  await page.getByLabel('Admin token').fill(adminToken())
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('navigation', { name: 'Dashboard' })).toBeVisible()
}

/** Reads the admin API directly, to check what the dashboard did. */
export class AdminReader {
  readonly #request: APIRequestContext
  readonly #headers: Record<string, string>

  constructor(request: APIRequestContext) {
    this.#request = request
    this.#headers = { authorization: `Bearer ${adminToken()}` }
  }

  async get<T>(path: string): Promise<T> {
    const response = await this.#request.get(`${SERVER}/admin/v1${path}`, {
      headers: this.#headers,
    })
    expect(response.ok(), `${path}: ${await response.text()}`).toBe(true)
    return (await response.json()) as T
  }

  async send<T>(method: 'PUT' | 'POST', path: string, data: unknown): Promise<T> {
    const response = await this.#request.fetch(`${SERVER}/admin/v1${path}`, {
      method,
      headers: this.#headers,
      data,
    })
    expect(response.ok(), `${path}: ${await response.text()}`).toBe(true)
    return (await response.json()) as T
  }

  /** Every license on the server, through the API's paging. */
  async allLicenseIds(): Promise<string[]> {
    const ids: string[] = []
    let cursor: string | null = null
    do {
      const query: string = cursor ? `&cursor=${cursor}` : ''
      const page: { items: { id: string }[]; nextCursor: string | null } = await this.get(
        `/licenses?limit=500${query}`,
      )
      ids.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor
    } while (cursor)
    return ids
  }
}

/**
 * Writes `docs/screenshots/admin-NAME-1280.png` and `admin-NAME-360.png` of the page as it is,
 * checking on the phone that nothing scrolls sideways and that axe finds nothing serious there too.
 */
export async function screenshotAdmin(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const before = page.viewportSize() ?? { width: 1280, height: 720 }
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: width < 500 ? 780 : 900 })
    // Charts measure their width: let them redraw for this one.
    await page.waitForTimeout(150)
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth),
      `${name} at ${width} px must not scroll sideways`,
    ).toBeLessThanOrEqual(width)
    if (width < 500) await expectAccessible(page, `${name} at ${width} px`)
    await page.screenshot({
      path: `${SCREENSHOTS}/admin-${name}-${width}.png`,
      fullPage: true,
      animations: 'disabled',
      caret: 'hide',
    })
  }
  await page.setViewportSize(before)
}
