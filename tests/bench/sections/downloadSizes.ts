import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { build, minifySync } from 'vite'
import type { Rolldown } from 'vite'
import { leeway } from '../../../src/vite/index.ts'
import { createAppConfig } from '../../../vite.config.ts'
import type { PublicJwk } from '../../../src/core/index.ts'

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const WORKER_ENTRY = join(REPO_ROOT, 'sw/sw.ts')

export interface FileSize {
  path: string
  bytes: number
  gzip: number
  brotli: number
}

export interface WorkerPart {
  /** An npm package, or a folder of ours (sw/license, src/core…). */
  name: string
  /** Bytes of its code in the bundle before minification. */
  renderedBytes: number
  /** Its share of the worker's gzipped size (estimated: each part minified and gzipped alone). */
  gzipShare: number
  /** That share applied to the real worker's gzipped size. */
  gzip: number
}

export interface DownloadSizes {
  worker: FileSize
  appJs: FileSize[]
  css: FileSize[]
  /** Built but not precached, so not what users download (the vendor's admin dashboard). */
  notPrecached: FileSize[]
  /** Every URL of the worker's precache manifest. */
  precache: { entries: number; bytes: number; gzip: number; files: FileSize[] }
  totals: { appJsGzip: number; cssGzip: number; allJsGzip: number }
  workerParts: WorkerPart[]
}

/** Item 6: gzip (level 9) and brotli sizes of a build, and what the worker is made of. */
export async function measureDownloadSizes(
  appDir: string,
  rootJwk: PublicJwk,
): Promise<DownloadSizes> {
  const sizeOf = (path: string): FileSize => {
    const bytes = readFileSync(join(appDir, path))
    return {
      path,
      bytes: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes).length,
    }
  }
  const worker = sizeOf('sw.js')
  const manifest = precacheUrls(readFileSync(join(appDir, 'sw.js'), 'utf8'))
  const precached = manifest.filter((path) => existsSync(join(appDir, path))).map(sizeOf)
  if (precached.length !== manifest.length)
    throw new Error('the precache manifest lists files the build does not have')
  // What a user's device downloads is what the worker precaches; other built files (the vendor's
  // admin dashboard) are listed apart.
  const appJs = precached.filter((file) => file.path.endsWith('.js'))
  const css = precached.filter((file) => file.path.endsWith('.css'))
  const notPrecached = readdirSync(join(appDir, 'assets'))
    .map((name) => `assets/${name}`)
    .filter((path) => !manifest.includes(path))
    .map(sizeOf)
  const sum = (files: FileSize[], key: 'bytes' | 'gzip') =>
    files.reduce((total, file) => total + file[key], 0)
  const appJsGzip = sum(appJs, 'gzip')

  const workerParts = await workerComposition(rootJwk, worker.gzip)
  return {
    worker,
    appJs,
    css,
    notPrecached,
    precache: {
      entries: precached.length,
      bytes: sum(precached, 'bytes'),
      gzip: sum(precached, 'gzip'),
      files: precached,
    },
    totals: { appJsGzip, cssGzip: sum(css, 'gzip'), allJsGzip: appJsGzip + worker.gzip },
    workerParts,
  }
}

/** The URLs of the precache manifest injected into the built worker. */
function precacheUrls(workerCode: string): string[] {
  return [...workerCode.matchAll(/"url":"([^"]+)"/g)].map((match) => match[1] ?? '')
}

/**
 * Builds the worker again, as vite-plugin-pwa does (same defines, minified), and groups the
 * bundle's modules by package. Each group's gzipped size is estimated by minifying and gzipping
 * its code alone; the shares of those estimates split the real worker's gzipped size.
 */
async function workerComposition(rootJwk: PublicJwk, workerGzip: number): Promise<WorkerPart[]> {
  const output = await bundle(WORKER_ENTRY, rootJwk)
  const groups = new Map<string, string[]>()
  for (const chunk of output) {
    if (chunk.type !== 'chunk') continue
    for (const [id, module] of Object.entries(chunk.modules)) {
      if (!module.code) continue
      const name = partName(id)
      groups.set(name, [...(groups.get(name) ?? []), module.code])
    }
  }
  const parts = [...groups].map(([name, codes]) => {
    const code = codes.join('\n')
    const minified = minifySync('part.js', code, { compress: true, mangle: true }).code
    return { name, renderedBytes: code.length, estimate: gzipSync(minified, { level: 9 }).length }
  })
  const total = parts.reduce((sum, part) => sum + part.estimate, 0)
  return parts
    .map(({ name, renderedBytes, estimate }) => ({
      name,
      renderedBytes,
      gzipShare: estimate / total,
      gzip: Math.round((estimate / total) * workerGzip),
    }))
    .sort((a, b) => b.gzip - a.gzip)
}

function partName(id: string): string {
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1]
  if (packageName) return packageName
  if (!id.startsWith(REPO_ROOT)) return 'bundler runtime'
  const path = relative(REPO_ROOT, id).split('/')
  return path.length > 2 ? path.slice(0, 2).join('/') : path.join('/')
}

async function bundle(
  entry: string,
  rootJwk: PublicJwk,
): Promise<(Rolldown.OutputChunk | Rolldown.OutputAsset)[]> {
  // The app's resolve (`leeway/*` from the sources) and Leeway's plugin, as the app build has them.
  const { resolve } = createAppConfig({ rootKey: { jwk: rootJwk } })
  const result = await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'silent',
    publicDir: false,
    resolve,
    plugins: [leeway({ product: 'notes', rootKey: { jwk: rootJwk } })],
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: true,
      lib: { entry, formats: ['iife'], name: 'bench', fileName: () => 'bundle.js' },
    },
  })
  const outputs = Array.isArray(result) ? result : [result]
  return outputs.flatMap((item) => ('output' in item ? item.output : []))
}
