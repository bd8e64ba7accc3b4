import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, defaultClientConditions } from 'vite'
import type { Plugin } from 'vite'
import { leeway } from '../../src/vite/index.ts'

// What Leeway adds to a vendor's service worker (#13, item 5; target: under 30 kB gzipped), beside
// what Workbox adds: each part bundled alone as a worker that uses it, minified for production,
// then gzipped (level 9). Run: node --import tsx tests/bench/workerSize.ts

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const { publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
  'sign',
  'verify',
])
const ROOT_JWK = await crypto.subtle.exportKey('jwk', publicKey)

const WORKERS: Record<string, string> = {
  // A worker without Workbox: Leeway's handler, its listeners and its fetch listener.
  'Leeway (createLicenseHandler, install, addFetchListener)': `
    import { createLicenseHandler } from 'leeway/sw'
    const leeway = createLicenseHandler({ rootJwk: ${JSON.stringify(ROOT_JWK)}, product: 'notes' })
    leeway.install()
    leeway.addFetchListener()`,
  // The demo's Workbox calls and nothing of Leeway's.
  'Workbox (precache, routing, core, as the demo uses them)': `
    import { clientsClaim } from 'workbox-core'
    import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
    import { NavigationRoute, registerRoute } from 'workbox-routing'
    precacheAndRoute(self.__WB_MANIFEST)
    cleanupOutdatedCaches()
    clientsClaim()
    registerRoute(() => false, async () => new Response(), 'GET')
    registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')))`,
  // Both, as the demo's worker (sw/sw.ts) puts them together.
  'the demo’s worker (sw/sw.ts)': `import '/sw/sw.ts'`,
}

/** Serves one worker's code as the entry of a build. */
function entry(code: string): Plugin {
  return {
    name: 'worker-size-entry',
    enforce: 'pre',
    resolveId: (id) => (id.endsWith('virtual:worker') ? '\0virtual:worker' : null),
    load: (id) => (id === '\0virtual:worker' ? code : null),
  }
}

async function gzippedSize(code: string): Promise<{ bytes: number; gzip: number }> {
  const result = await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'silent',
    publicDir: false,
    // `leeway/*` from the sources, and the configuration module, as the demo's build has them.
    resolve: { conditions: ['leeway-source', ...defaultClientConditions] },
    plugins: [entry(code), leeway({ product: 'notes', rootKey: { jwk: ROOT_JWK } })],
    define: {
      'self.__WB_MANIFEST': '[]',
      'process.env.NODE_ENV': JSON.stringify('production'),
    },
    build: {
      write: false,
      minify: true,
      // As a classic worker script: Vite keeps whitespace in ES-format libraries.
      lib: { entry: 'virtual:worker', formats: ['iife'], name: 'sw', fileName: () => 'sw.js' },
    },
  })
  const outputs = Array.isArray(result) ? result : [result]
  const chunks = outputs.flatMap((item) => ('output' in item ? item.output : []))
  const bundled = chunks.map((chunk) => (chunk.type === 'chunk' ? chunk.code : '')).join('\n')
  return { bytes: Buffer.byteLength(bundled), gzip: gzipSync(bundled, { level: 9 }).length }
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`
for (const [name, code] of Object.entries(WORKERS)) {
  const size = await gzippedSize(code)
  console.log(`${name}: ${kB(size.bytes)} minified, ${kB(size.gzip)} gzipped`)
}
