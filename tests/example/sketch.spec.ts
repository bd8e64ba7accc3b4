import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { exampleSetting } from './ports.ts'

// The example app as its users meet it: React, vite-plugin-pwa, Leeway from the packed tarball,
// the license server on another origin.

const REPO = new URL('../../', import.meta.url).pathname

async function openControlled(page: Page, url: string): Promise<void> {
  await page.goto(url)
  // The first load is not controlled until the worker claims it.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
    timeout: 30_000,
  })
}

function revokeOnServer(): void {
  execFileSync(
    process.execPath,
    [join(REPO, 'bin', 'leeway.js'), 'license', 'revoke', exampleSetting('licenseId')],
    { env: { ...process.env, LEEWAY_DATA: exampleSetting('dataDir') }, stdio: 'ignore' },
  )
}

test('activate, a gated feature, an offline reload, a revocation', async ({ page, context }) => {
  await openControlled(page, exampleSetting('app'))
  const status = page.getByRole('status')
  const exportButton = page.getByRole('button', { name: 'Export as SVG' })
  await expect(status).toHaveText('Not activated: enter your license key.')
  await expect(exportButton).toBeDisabled()

  // The worker reaches the license server on its own origin (CORS), and pins its grant.
  await page.getByLabel('License key').fill(exampleSetting('licenseKey'))
  await page.getByRole('button', { name: 'Activate' }).click()
  await expect(status).toHaveText('Licensed: pro plan.')
  await expect(exportButton).toBeEnabled()
  await page.getByLabel('New idea').fill('A lighthouse at dusk')
  await page.getByRole('button', { name: 'Add idea' }).click()
  await expect(page.getByRole('list', { name: 'Ideas' })).toContainText('A lighthouse at dusk')
  // The app's own runtime route, beside Leeway's: the first load was not controlled yet, so the
  // tip is cached from the next one.
  await page.reload()
  await expect(page.getByLabel('Tip')).toHaveText(/Short ideas/)

  // Offline: the shell from the precache, the license from the stored grant, the tip from the
  // app's own cache.
  await context.setOffline(true)
  await page.reload()
  await expect(status).toHaveText('Licensed: pro plan.')
  await expect(exportButton).toBeEnabled()
  await expect(page.getByRole('list', { name: 'Ideas' })).toContainText('A lighthouse at dusk')
  await expect(page.getByLabel('Tip')).toHaveText(/Short ideas/)

  await context.setOffline(false)
  revokeOnServer()
  await page.getByRole('button', { name: 'Check now' }).click()
  await expect(status).toHaveText('This license was revoked.')
  await expect(exportButton).toBeDisabled()
})

test('the dev server’s worker reads the same configuration', async ({ page }) => {
  await openControlled(page, exampleSetting('dev'))
  // Answered by the dev worker (vite-plugin-pwa devOptions, a module worker): Leeway is in it.
  const state = await page.evaluate(async () => (await fetch('/_license/state')).json())
  expect(state).toMatchObject({ status: expect.any(String), features: expect.any(Object) })
  // The same product, API origin and root key as the build: activation succeeds against the server.
  await page.getByLabel('License key').fill(exampleSetting('devLicenseKey'))
  await page.getByRole('button', { name: 'Activate' }).click()
  await expect(page.getByRole('status')).toHaveText('Licensed: pro plan.')
  await expect(page.getByRole('button', { name: 'Export as SVG' })).toBeEnabled()
})

test('Leeway adds less than 30 kB gzipped to a vendor’s worker', () => {
  // The part alone, bundled from the installed package with the example's own Vite, minified.
  const app = exampleSetting('installedApp')
  const entry = join(app, 'leeway-size-entry.js')
  writeFileSync(
    entry,
    [
      "import { createLicenseHandler } from 'leeway/sw'",
      'const leeway = createLicenseHandler(JSON.parse(self.name))',
      'leeway.install()',
      'leeway.addFetchListener()',
    ].join('\n'),
  )
  const script = `
    import { build } from 'vite'
    const result = await build({
      configFile: false, logLevel: 'silent', publicDir: false,
      build: { write: false, minify: true,
        lib: { entry: ${JSON.stringify(entry)}, formats: ['iife'], name: 'sw', fileName: () => 'sw.js' } },
    })
    process.stdout.write(result[0].output[0].code)`
  const code = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: app,
    encoding: 'utf8',
    maxBuffer: 10_000_000,
  })
  const gzipped = gzipSync(code, { level: 9 }).length
  console.log(
    `leeway/sw in a worker: ${(code.length / 1000).toFixed(1)} kB minified, ${(gzipped / 1000).toFixed(1)} kB gzipped`,
  )
  expect(code).toContain('_license')
  expect(gzipped).toBeLessThan(30_000)
})
