import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defaultClientConditions, defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import type { InlineConfig } from 'vite'
import { DEFAULT_REQUEST_TIMEOUT_MS } from './src/core/index.ts'
// Relative, not `leeway/vite`: the compiled server imports this file, and Node knows no
// "leeway-source" condition.
import { leeway } from './src/vite/index.ts'
import type { RootKeySource } from './src/vite/index.ts'

/**
 * The app's root, whatever the working directory (the server builds from anywhere): the package
 * folder, the nearest one up from this file that holds package.json. Searched for, not taken as
 * this file's folder, because the compiled server runs a copy of this file from dist-server/.
 */
export const APP_ROOT = packageRoot(fileURLToPath(new URL('.', import.meta.url)))

/** The environment variable that pins the root public key into a build. */
export const ROOT_JWK_ENV = 'LEEWAY_ROOT_JWK'

export interface AppConfigOptions {
  /** Where the root public key the app will trust comes from (Leeway's Vite plugin reads it). */
  rootKey: RootKeySource
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
  rootKey,
  outDir = 'dist',
  product = process.env.LEEWAY_PRODUCT ?? 'notes',
  requestTimeoutMs = Number(process.env.LEEWAY_REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS),
  buildId = new Date().toISOString(),
}: AppConfigOptions): InlineConfig {
  return {
    root: APP_ROOT,
    resolve: {
      // `leeway/*` from the sources (package.json exports): the demo uses Leeway as a vendor does.
      // vite-plugin-pwa builds the worker with this `resolve` too.
      conditions: ['leeway-source', ...defaultClientConditions],
    },
    plugins: [
      svelte(),
      // One configuration for page and worker: `virtual:leeway/config`.
      leeway({ product, rootKey, requestTimeoutMs }),
      // The service worker (sw/sw.ts) is built by a second Vite build with this config's `resolve`
      // and `define`, and gets the precache manifest of everything the app needs to start offline.
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
    define: { __LEEWAY_BUILD_ID__: JSON.stringify(buildId) },
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

// A build pins the key given in LEEWAY_ROOT_JWK, never one found lying around; without it Leeway's
// plugin stops the build. `vite dev` may use the key of a local server's data folder (written by
// `npm start`); `vite preview` serves a finished build and needs none.
export default defineConfig(({ command }) => {
  const fromEnv = process.env[ROOT_JWK_ENV]?.trim()
  const devKeyFile = resolve(process.env.LEEWAY_DATA ?? resolve(APP_ROOT, 'data'), 'root.pub.json')
  const rootKey: RootKeySource =
    !fromEnv && command === 'serve' && existsSync(devKeyFile)
      ? { file: devKeyFile }
      : { env: ROOT_JWK_ENV }
  return createAppConfig({ rootKey })
})

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or above it`)
  }
}
