#!/usr/bin/env node
// Compiles the server (server/, and the src/core files it imports) to JavaScript in dist-server/:
// production runs that with plain Node, no TypeScript loader. `npm run build:server` always
// compiles; `--if-stale` (npm start, and bin/leeway.js through `compiledServerIsCurrent`) only
// when dist-server/ is missing or older than a source, so a fresh clone needs no build step and an
// edit is never run stale.
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Where the compiled server goes: `dist-server/server/start.js`, `dist-server/server/cli.js`. */
export const COMPILED = join(ROOT, 'dist-server')
const CONFIG = join(ROOT, 'server', 'tsconfig.build.json')
// What the compiled server is made from. A folder's own time changes when a file in it is added,
// removed or renamed, so those count too.
const SOURCES = ['server', 'src/core', 'src/vite', 'vite.config.ts', 'tsconfig.json']
const STAMP = '.compiled-at'

/** Whether dist-server/ holds a compilation of the sources as they are now. */
export function compiledServerIsCurrent() {
  let compiledAt
  try {
    compiledAt = Number(readFileSync(join(COMPILED, STAMP), 'utf8'))
  } catch {
    return false
  }
  return SOURCES.every((source) => newestChange(join(ROOT, source)) <= compiledAt)
}

/**
 * Compiles into a folder of its own, then swaps it in: a server starting meanwhile (or a second
 * compilation at once, as parallel CLI calls make) never sees a half-written dist-server/.
 * Type errors stop it: what does not pass the type check is not run.
 */
export function compileServer() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const startedAt = Date.now()
  const fresh = `${COMPILED}.${process.pid}.new`
  rmSync(fresh, { recursive: true, force: true })
  // tsc reports on stdout; stderr keeps it out of what a CLI command prints (a key, a file).
  const { status } = spawnSync(process.execPath, [tsc, '-p', CONFIG, '--outDir', fresh], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  })
  if (status !== 0) {
    rmSync(fresh, { recursive: true, force: true })
    throw new Error('the server does not compile: see the errors above')
  }
  writeFileSync(join(fresh, STAMP), String(startedAt))
  const old = `${COMPILED}.${process.pid}.old`
  ignoring(['ENOENT'], () => renameSync(COMPILED, old))
  // A compilation that finished first already holds the same sources.
  ignoring(['ENOTEMPTY', 'EEXIST'], () => renameSync(fresh, COMPILED))
  rmSync(fresh, { recursive: true, force: true })
  rmSync(old, { recursive: true, force: true })
}

// A copy that ships dist-server/ without some of the sources has nothing newer to compile.
function newestChange(path) {
  const stats = statSync(path, { throwIfNoEntry: false })
  if (!stats) return 0
  if (!stats.isDirectory()) return stats.mtimeMs
  let newest = stats.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)))
  return newest
}

function ignoring(codes, action) {
  try {
    action()
  } catch (error) {
    if (!codes.includes(error?.code)) throw error
  }
}

/** `compileServer`, saying so on stderr; a failure is one line there and exit code 1. */
export function compileServerOrExit() {
  console.error('leeway: compiling the server to dist-server/…')
  try {
    compileServer()
  } catch (error) {
    console.error(`leeway: ${error.message}`)
    process.exit(1)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv.includes('--if-stale') || !compiledServerIsCurrent()) compileServerOrExit()
}
