import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildApp } from '../../../server/buildApp.ts'
import { E2E_DATA, E2E_REQUEST_TIMEOUT_MS } from '../../../playwright.config.ts'

// Deploys a new build of the app to the running e2e server (it serves files from disk), as a vendor
// shipping a release would: `node --import tsx tests/e2e/support/rebuildApp.ts BUILD_ID`.
const buildId = process.argv[2] ?? `e2e-${Date.now()}`
await buildApp({
  rootPublicJwk: JSON.parse(readFileSync(join(E2E_DATA, 'root.pub.json'), 'utf8')) as object,
  outDir: resolve(E2E_DATA, 'dist'),
  quiet: true,
  requestTimeoutMs: E2E_REQUEST_TIMEOUT_MS,
  buildId,
})
