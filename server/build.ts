import { resolve } from 'node:path'
import { buildApp } from './buildApp.ts'
import { dataDirOptionsFromEnv, openDataDir } from './dataDir.ts'

// `npm run build`: the app with this data folder's root key pinned (the folder is created if new).
const data = await openDataDir(process.env.LEEWAY_DATA ?? './data', {
  ...dataDirOptionsFromEnv(),
  seedDemo: true,
})
await buildApp({ rootPublicJwk: data.rootPublicJwk, outDir: resolve('dist') })
await data.store.close()
