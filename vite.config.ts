import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import type { InlineConfig, Plugin } from 'vite'
import { DEFAULT_REQUEST_TIMEOUT_MS, isPublicJwk } from './src/core/index.ts'
import type { PublicJwk } from './src/core/index.ts'

/**
 * The app's root, whatever the working directory (the server builds from anywhere): the package
 * folder, the nearest one up from this file that holds package.json. Searched for, not taken as
 * this file's folder, because the compiled server runs a copy of this file from dist-server/.
 */
export const APP_ROOT = packageRoot(fileURLToPath(new URL('.', import.meta.url)))

/** The environment variable that pins the root public key into a build. */
export const ROOT_JWK_ENV = 'LEEWAY_ROOT_JWK'

export interface AppConfigOptions {
  /** The root public key the app will trust; `null` only where nothing is compiled (preview). */
  rootJwk: PublicJwk | null
  /** Relative to the app root, or absolute. */
  outDir?: string
  /** The product this app is licensed as (the `aud` of its grants). */
  product?: string
  /** How long the worker waits for the license server before treating it as unreachable. */
  requestTimeoutMs?: number
  /** Names this build in the page (support, update prompts); defaults to the build time. */
  buildId?: string
}

/** The worker's wait for a license-server answer unless a build says otherwise. */
export { DEFAULT_REQUEST_TIMEOUT_MS }

/** The app's Vite config with the root key pinned; shared by `vite` and `buildApp`. */
export function createAppConfig({
  rootJwk,
  outDir = 'dist',
  product = process.env.LEEWAY_PRODUCT ?? 'notes',
  requestTimeoutMs = Number(process.env.LEEWAY_REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS),
  buildId = new Date().toISOString(),
}: AppConfigOptions): InlineConfig {
  return {
    root: APP_ROOT,
    plugins: [
      svelte(),
      // The service worker (sw/sw.ts) is built by the same Vite, with the same `define`s, and gets
      // the precache manifest of everything the app needs to start offline.
      VitePWA({
        strategies: 'injectManifest',
        srcDir: 'sw',
        filename: 'sw.ts',
        injectRegister: false,
        registerType: 'prompt',
        manifest: false,
        injectManifest: {
          globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest}'],
          // The admin dashboard (admin.html) is a second page for the vendor, online only: its
          // files stay out of every user's offline cache.
          globIgnores: ['**/node_modules/**/*', 'admin.html', 'assets/admin-*'],
        },
        devOptions: { enabled: false },
      }),
    ],
    define: rootJwk
      ? {
          __LEEWAY_ROOT_JWK__: JSON.stringify(rootJwk),
          __LEEWAY_PRODUCT__: JSON.stringify(product),
          __LEEWAY_REQUEST_TIMEOUT_MS__: JSON.stringify(requestTimeoutMs),
          __LEEWAY_BUILD_ID__: JSON.stringify(buildId),
        }
      : {},
    build: {
      outDir,
      rolldownOptions: {
        input: { index: resolve(APP_ROOT, 'index.html'), admin: resolve(APP_ROOT, 'admin.html') },
      },
    },
    server: {
      // In development the page and the license server run on different ports; `npm start` serves
      // both on one, so the app only ever calls its own origin.
      proxy: {
        '/api': `http://127.0.0.1:${process.env.PORT ?? '8787'}`,
        '/admin/v1': `http://127.0.0.1:${process.env.PORT ?? '8787'}`,
      },
    },
  }
}

/**
 * Checks that `value` is a public P-256 JWK and keeps only the members that define it, so nothing
 * else (and never a private part) is compiled into the app. `source` names where it came from.
 */
export function pinnableRootJwk(value: unknown, source: string): PublicJwk {
  if (typeof value === 'object' && value !== null && 'd' in value) {
    throw new Error(`${source} holds a private key; pin only the root's public JWK`)
  }
  if (!isPublicJwk(value)) throw new Error(`${source} is not a public P-256 JWK`)
  return { kty: value.kty, crv: value.crv, x: value.x, y: value.y }
}

function parseRootJwk(json: string, source: string): PublicJwk {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw new Error(`${source} is not valid JSON`)
  }
  return pinnableRootJwk(value, source)
}

// `vite dev` may use the key of a local server's data folder (written by `npm start`); a build
// never does, so what ships is always pinned on purpose.
function devRootJwk(): PublicJwk | null {
  const file = resolve(process.env.LEEWAY_DATA ?? resolve(APP_ROOT, 'data'), 'root.pub.json')
  return existsSync(file) ? parseRootJwk(readFileSync(file, 'utf8'), file) : null
}

// Tools resolve this config in serve mode only to find the Svelte options (svelte-check, editors):
// a missing key must stop a dev server, not them.
function refuseToServe(message: string): Plugin {
  return {
    name: 'leeway:refuse-to-serve',
    configureServer() {
      throw new Error(message)
    },
  }
}

export default defineConfig(({ command, isPreview }) => {
  const env = process.env[ROOT_JWK_ENV]
  if (env !== undefined && env.trim() !== '') {
    return createAppConfig({ rootJwk: parseRootJwk(env, ROOT_JWK_ENV) })
  }
  if (command === 'build') {
    throw new Error(
      `${ROOT_JWK_ENV} is not set: a build must pin the root public key (JSON of a P-256 JWK). ` +
        `Example: ${ROOT_JWK_ENV}="$(cat data/root.pub.json)" vite build`,
    )
  }
  // Preview only serves files already built, with their key inside.
  if (isPreview) return createAppConfig({ rootJwk: null })
  const rootJwk = devRootJwk()
  const config = createAppConfig({ rootJwk })
  if (!rootJwk) {
    const message = `No root key to pin: set ${ROOT_JWK_ENV}, or run \`npm start\` once to create it`
    config.plugins = [...(config.plugins ?? []), refuseToServe(message)]
  }
  return config
})

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or above it`)
  }
}
