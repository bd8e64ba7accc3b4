import { resolve } from 'node:path'
import { buildApp } from './buildApp.ts'
import { ConfigError, dataDirOptionsFromEnv, openDataDir } from './dataDir.ts'
import { KekError } from './keys/Kek.ts'
import { listen } from './main.ts'
import { trustedProxiesFromEnv } from './trustedProxies.ts'

// `npm start`: first run creates the data folder and a demo license; every run builds the app with
// the root key pinned and serves app and API on one port.
const dataDir = process.env.LEEWAY_DATA ?? './data'
const port = Number(process.env.PORT ?? 8787)
const host = process.env.HOST ?? '127.0.0.1'
const staticDir = resolve('dist')

// A setting to fix gets one line that says how, not a stack trace.
function exitOnSettingError(error: unknown): never {
  if (error instanceof ConfigError || error instanceof KekError) {
    console.error(`leeway: ${error.message}`)
    process.exit(1)
  }
  throw error
}

let trustedProxies = 0
try {
  trustedProxies = trustedProxiesFromEnv()
} catch (error) {
  exitOnSettingError(error)
}
const data = await openDataDir(dataDir, { ...dataDirOptionsFromEnv(), seedDemo: true }).catch(
  exitOnSettingError,
)
if (process.env.LEEWAY_SKIP_BUILD !== '1') {
  console.log('Building the app with the root key pinned…')
  await buildApp({ rootPublicJwk: data.rootPublicJwk, outDir: staticDir, quiet: true })
}
const server = await listen(data, {
  port,
  host,
  staticDir,
  trustedProxies,
})

console.log(`Leeway is running at ${server.url}`)
console.log(
  data.backend === 'postgres' ? 'Database: PostgreSQL (DATABASE_URL)' : `Data folder: ${data.dir}`,
)
console.log(`Admin token: ${data.adminToken}`)
if (data.demo) console.log(`Demo license key: ${data.demo.key}`)

const stop = async () => {
  await server.close()
  await data.store.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
