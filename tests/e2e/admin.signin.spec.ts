import { expectAccessible } from './support/appPage.ts'
import { adminToken, screenshotAdmin, signIn } from './support/adminPage.ts'
import { SERVER, expect, test } from './support/fixtures.ts'

// The dashboard's door: the admin token, asked for on the page and kept only in this tab's
// session storage, never in local storage or a URL.
test.describe('signing in to the admin dashboard', () => {
  test('a wrong token gets a clear error and shows nothing of the dashboard', async ({ page }) => {
    const calls: string[] = []
    page.on('request', (request) => calls.push(request.url()))
    await page.goto(`${SERVER}/admin`)
    await expect(page).toHaveTitle('Leeway admin')
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
    await expectAccessible(page, 'sign-in')

    await page.getByLabel('Admin token').fill('not-the-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const error = page.getByRole('alert')
    await expect(error).toContainText('That token was not accepted')
    await expect(page.getByLabel('Admin token')).toHaveAttribute('aria-invalid', 'true')
    await expect(page.getByRole('navigation', { name: 'Dashboard' })).toHaveCount(0)
    await expect(page.getByRole('table')).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await expectAccessible(page, 'sign-in error')
    await screenshotAdmin(page, 'signin-error')

    // The token went in a header only: never in any URL the page asked for.
    expect(calls.filter((url) => url.includes('not-the-token'))).toEqual([])
  })

  test('the right token opens the licenses, lasts for the tab, and sign-out forgets it', async ({
    page,
    context,
  }) => {
    const calls: string[] = []
    page.on('request', (request) => calls.push(request.url()))
    await signIn(page)
    await expect(page.getByRole('heading', { name: 'Licenses', level: 2 })).toBeVisible()
    await expect(page.getByTestId('license-table')).toBeVisible()

    const token = adminToken()
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([token])
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(token)
    expect(page.url()).not.toContain(token)
    expect(calls.filter((url) => url.includes(token))).toEqual([])

    // A reload keeps the session; another tab (its own session storage) must sign in itself.
    await page.reload()
    await expect(page.getByTestId('license-table')).toBeVisible()
    const other = await context.newPage()
    await other.goto(`${SERVER}/admin`)
    await expect(other.getByLabel('Admin token')).toBeVisible()
    await other.close()

    await page.getByRole('button', { name: 'Sign out' }).click()
    await expect(page.getByRole('main').getByRole('status')).toHaveText(
      'Signed out. The token is no longer kept in this tab.',
    )
    await expect(page.getByLabel('Admin token')).toBeVisible()
    await expect(page.getByTestId('license-table')).toHaveCount(0)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await page.reload()
    await expect(page.getByLabel('Admin token')).toBeVisible()
  })

  test('a token the server stops accepting signs the tab out', async ({ page }) => {
    await page.goto(`${SERVER}/admin`)
    await page.evaluate(() => sessionStorage.setItem('leeway-admin-token', 'rotated-away'))
    await page.reload()
    await expect(page.getByRole('main').getByRole('status')).toContainText(
      'The server refused the admin token',
    )
    await expect(page.getByLabel('Admin token')).toBeVisible()
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
  })

  test('/admin and /admin/ serve the dashboard, unframeable; the API stays under /admin/v1', async ({
    request,
  }) => {
    for (const path of ['/admin', '/admin/']) {
      const response = await request.get(`${SERVER}${path}`)
      expect(response.status()).toBe(200)
      expect(await response.text()).toContain('<title>Leeway admin</title>')
      expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
      expect(response.headers()['x-frame-options']).toBe('DENY')
    }
    const api = await request.get(`${SERVER}/admin/v1/licenses`)
    expect(api.status()).toBe(401)
    expect(await api.json()).toMatchObject({ error: { code: 'unauthorized' } })
  })

  test("with the app's worker installed, /admin/ still opens the dashboard", async ({
    app,
    page,
  }) => {
    await app.open()
    await page.goto(`${app.origin}/admin/`)
    await expect(page).toHaveTitle('Leeway admin')
    await expect(page.getByLabel('Admin token')).toBeVisible()
  })

  test("the dashboard's files stay out of the app's offline precache", async ({ request }) => {
    const worker = await (await request.get(`${SERVER}/sw.js`)).text()
    const admin = await (await request.get(`${SERVER}/admin`)).text()
    const assets = [...admin.matchAll(/\/assets\/(admin-[\w-]+\.(?:js|css))/g)].map((m) => m[1])
    expect(assets.length).toBeGreaterThanOrEqual(2)
    for (const asset of assets) expect(worker).not.toContain(asset)
    expect(worker).not.toContain('admin.html')
    expect(worker).toContain('index.html')
  })
})
