import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildApp } from '../../server/buildApp.ts'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import { listen } from '../../server/main.ts'

// The server the browser suites run against: a fresh data folder each run, the app built with its
// root key pinned into a folder of its own, served on loopback.
const dataDir = resolve(process.env.LEEWAY_DATA ?? '.tmp/e2e-data')
rmSync(dataDir, { recursive: true, force: true })
const data = await openDeployment(dataDir, { seedDemo: true })
const staticDir = resolve(dataDir, 'dist')
await buildApp({
  rootPublicJwk: data.rootPublicJwk,
  outDir: staticDir,
  quiet: true,
  // Short, so a test of a hanging server does not wait the production 10 s for each attempt.
  requestTimeoutMs: Number(process.env.LEEWAY_REQUEST_TIMEOUT_MS ?? 3_000),
  buildId: 'e2e-1',
})
const server = await listen(data, {
  port: Number(process.env.PORT ?? 8799),
  host: '127.0.0.1',
  staticDir,
})
console.log(`e2e server at ${server.url}`)

const stop = async () => {
  await server.close()
  await data.store.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
