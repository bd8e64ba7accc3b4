import { defineConfig } from '@playwright/test'
import { CHROMIUM } from '../e2e/support/chromium.ts'

// The example app (examples/sketch), installed from this repository's `npm pack` tarball into a
// folder outside the repository, built, and tested in Chromium against a license server on
// another origin. EXAMPLE_PORT and the two ports after it keep parallel runs apart.
export default defineConfig({
  testDir: '.',
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  timeout: 60_000,
  globalSetup: './setup.ts',
  use: { launchOptions: CHROMIUM },
})
