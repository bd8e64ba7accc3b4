import { resolve } from 'node:path'
import { buildApp } from './buildApp.ts'
import { deploymentSettingsFromEnv } from './config/deploymentSettings.ts'
import { openDeployment } from './deployment/openDeployment.ts'

// `npm run build`: the app with this data folder's root key pinned (the folder is created if new).
const deployment = await openDeployment(process.env.LEEWAY_DATA ?? './data', {
  ...deploymentSettingsFromEnv(),
  seedDemo: true,
})
await buildApp({ rootPublicJwk: deployment.rootPublicJwk, outDir: resolve('dist') })
await deployment.store.close()
