import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { thumbprint } from '../../src/core/index.ts'
import type { PublicJwk } from '../../src/core/index.ts'
import { E2E_DATA } from '../../playwright.config.ts'

const readData = (name: string) => readFileSync(join(E2E_DATA, name), 'utf8')

test.describe('the built app with the root key pinned', () => {
  test('shows the thumbprint of the data folder’s root key', async ({ page }) => {
    const root = JSON.parse(readData('root.pub.json')) as PublicJwk
    await page.goto('/')
    await expect(page.getByRole('heading', { name: 'Leeway Notes' })).toBeVisible()
    // The check lives in the license panel's "About this app" section.
    await page.getByText('About this app').click()
    await expect(page.getByTestId('root-thumbprint')).toHaveText(await thumbprint(root))
  })

  test('verifies the server’s signing keys in the browser, and a rotated key without a new build', async ({
    page,
    request,
  }) => {
    await page.goto('/')
    await page.getByText('About this app').click()
    const status = page.getByText(/signing keys? verified against the pinned root/)
    await expect(status).toHaveText(/^\d+ signing keys? verified/)
    const before = Number((await status.textContent())?.match(/^\d+/)?.[0])
    expect(before).toBeGreaterThan(0)

    const rotated = await request.post('/admin/v1/keys/rotate', {
      headers: { authorization: `Bearer ${readData('admin-token').trim()}` },
    })
    expect(rotated.status()).toBe(201)

    await page.getByRole('button', { name: 'Check again' }).click()
    await expect(status).toHaveText(`${before + 1} signing keys verified against the pinned root.`)
  })
})
