import { resolve } from 'node:path'
import { corsOriginsFromEnv, parseCorsOrigins } from './config/corsOrigins.ts'
import { deploymentSettingsFromEnv } from './config/deploymentSettings.ts'
import { serveAppFromEnv } from './config/serveApp.ts'
import { trustedProxiesFromEnv } from './config/trustedProxies.ts'
import { demoAppSourcesPresent } from './deployment/demoAppSources.ts'
import { deploymentSummary } from './deployment/deploymentSummary.ts'
import { openDeployment } from './deployment/openDeployment.ts'
import { listen } from './main.ts'

export interface ServeOptions {
  dataDir: string
  port: number
  host: string
  /** Build the app with the root key pinned first (`npm start` and `leeway serve` do by default). */
  build: boolean
  /** `false` (`--no-app`): the API only, whatever LEEWAY_SERVE_APP says; otherwise as it says. */
  app?: boolean
  /** Origins from the command line (`--cors-origin`), used instead of LEEWAY_CORS_ORIGINS. */
  corsOrigins?: readonly string[] | undefined
}

/**
 * The one way the product is served, for `npm start` and `leeway serve` alike: every setting read
 * from the environment the same way (a wrong one throws `ConfigError` before anything opens), the
 * deployment opened (first run: data folder and demo license), the app built, app and API on one
 * port (or the API alone: `--no-app`, LEEWAY_SERVE_APP=0). Answers how to stop it.
 */
export async function serve(
  options: ServeOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ url: string; stop(): Promise<void> }> {
  const trustedProxies = trustedProxiesFromEnv(env)
  const corsOrigins = options.corsOrigins?.length
    ? parseCorsOrigins(options.corsOrigins, '--cors-origin')
    : corsOriginsFromEnv(env)
  const wanted = serveAppFromEnv(env) && options.app !== false
  // An installed package has no demo app to build or serve: the API alone, said at start.
  const serveApp = wanted && demoAppSourcesPresent()
  const deployment = await openDeployment(options.dataDir, {
    ...deploymentSettingsFromEnv(env),
    seedDemo: true,
  })
  const staticDir = serveApp ? resolve('dist') : undefined
  try {
    if (staticDir && options.build) {
      console.log('Building the app with the root key pinned…')
      // Vite and its plugins are build tools, loaded only to build: a server that serves an app
      // built elsewhere (LEEWAY_SKIP_BUILD=1, --no-build) starts without them.
      const { buildApp } = await import('./buildApp.ts')
      await buildApp({ rootPublicJwk: deployment.rootPublicJwk, outDir: staticDir, quiet: true })
    }
    const server = await listen(deployment, {
      port: options.port,
      host: options.host,
      staticDir,
      trustedProxies,
      corsOrigins,
    })
    console.log(`Leeway is running at ${server.url}`)
    if (wanted && !serveApp) console.log('This installation holds no demo app to build')
    if (!staticDir) console.log('Serving the API only: no app, no admin dashboard')
    if (corsOrigins.length > 0)
      console.log(`The public API answers pages of: ${corsOrigins.join(', ')}`)
    for (const line of deploymentSummary(deployment)) console.log(line)
    return {
      url: server.url,
      stop: async () => {
        await server.close()
        await deployment.store.close()
      },
    }
  } catch (error) {
    await deployment.store.close()
    throw error
  }
}
