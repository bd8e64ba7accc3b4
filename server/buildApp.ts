import { existsSync, readdirSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { build } from 'vite'
import { pinnableRootJwk } from '../src/vite/index.ts'
import { APP_ROOT, createAppConfig } from '../vite.config.ts'

export interface BuildAppOptions {
  /** The root public JWK to pin; a private key or any other key type is refused. */
  rootPublicJwk: object
  /** Where the built app goes (relative to the working directory); emptied first. */
  outDir: string
  /** Print nothing; failures still throw. */
  quiet?: boolean
  /** How long the worker waits for the license server (tests use short ones). */
  requestTimeoutMs?: number
  /** Names the build; a different id makes a different worker, as a new release would. */
  buildId?: string
}

/**
 * Builds the app with `rootPublicJwk` pinned, as `LEEWAY_ROOT_JWK=… vite build` would. The key is
 * passed to the shared config directly rather than through `process.env`, so concurrent code (and
 * concurrent builds) never see it.
 * @example await buildApp({ rootPublicJwk: rootJwk, outDir: join(dataDir, 'app') })
 */
export async function buildApp({
  rootPublicJwk,
  outDir,
  quiet = false,
  requestTimeoutMs,
  buildId,
}: BuildAppOptions): Promise<void> {
  const rootJwk = pinnableRootJwk(rootPublicJwk, 'rootPublicJwk')
  const target = resolve(outDir)
  assertSafeToEmpty(target)
  const config = createAppConfig({
    rootKey: { jwk: rootJwk },
    outDir: target,
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
    ...(buildId ? { buildId } : {}),
  })
  await build({
    ...config,
    // The shared config is complete; reading vite.config.ts again would demand the env variable.
    configFile: false,
    logLevel: quiet ? 'silent' : 'info',
    // Vite empties only folders inside the app root unless told; the checks above make it safe.
    build: { ...config.build, emptyOutDir: true },
  })
}

// Emptying the wrong folder (the data folder, the repository) would destroy data; only an absent
// or empty folder, or one that holds an earlier build, may be emptied.
function assertSafeToEmpty(target: string): void {
  const fromTarget = relative(target, APP_ROOT)
  if (!isAbsolute(fromTarget) && fromTarget.split(sep)[0] !== '..') {
    throw new Error(`outDir ${target} contains the app's sources; choose a folder of its own`)
  }
  if (!existsSync(target)) return
  const entries = readdirSync(target)
  if (entries.length > 0 && !entries.includes('index.html')) {
    throw new Error(
      `outDir ${target} is not empty and holds no earlier build; refusing to empty it`,
    )
  }
}
