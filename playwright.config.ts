import { defineConfig } from '@playwright/test'
import { CHROMIUM } from './tests/e2e/support/chromium.ts'

// Several suites may run at once on one machine (each engineer's, CI's): E2E_PORT keeps them apart.
export const E2E_PORT = Number(process.env.E2E_PORT ?? 8799)
export const E2E_DATA = `.tmp/e2e-data-${E2E_PORT}`
/** The worker's wait for the license server in the e2e build. */
export const E2E_REQUEST_TIMEOUT_MS = 3_000

// Debian's Chromium (tests/e2e/support/chromium.ts), never a downloaded one; one worker on 2 cores.
export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  timeout: 60_000,
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    launchOptions: CHROMIUM,
  },
  webServer: {
    // The tests run `leeway offline-activate` (bin/leeway.js): compiled up front, not inside a test.
    command: `node bin/compileServer.js --if-stale && node --import tsx tests/e2e/serve.ts`,
    url: `http://127.0.0.1:${E2E_PORT}/healthz`,
    env: {
      LEEWAY_DATA: E2E_DATA,
      PORT: String(E2E_PORT),
      LEEWAY_REQUEST_TIMEOUT_MS: String(E2E_REQUEST_TIMEOUT_MS),
      // The server's JSON request log would bury the suite's own output; LOG_LEVEL=info shows it.
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
  },
})
