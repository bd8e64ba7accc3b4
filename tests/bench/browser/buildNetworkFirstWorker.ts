import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const SOURCE = fileURLToPath(new URL('./networkFirstWorker.ts', import.meta.url))

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NetworkFirst baseline</title></head>
<body><script>navigator.serviceWorker.register('/sw.js')</script></body></html>
`

/** Builds the baseline worker and a page that registers it into `outDir` (sw.js, index.html). */
export async function buildNetworkFirstWorker(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true })
  await build({
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    // Workbox reads process.env.NODE_ENV; a library build does not replace it by itself.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: false,
      minify: true,
      lib: { entry: SOURCE, formats: ['iife'], name: 'networkFirst', fileName: () => 'sw.js' },
    },
  })
  writeFileSync(join(outDir, 'index.html'), PAGE)
}
