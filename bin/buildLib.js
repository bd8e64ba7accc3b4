#!/usr/bin/env node
// `npm run build:lib`, and `npm pack` through `prepack`: the package as a vendor installs it. The
// browser and build-time parts (core, sw, client, react, svelte, vite) compile to dist-lib/, the
// server to dist-server/, each with its .d.ts. Type errors stop it.
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileServerOrExit } from './compileServer.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LIBRARY = join(ROOT, 'dist-lib')

rmSync(LIBRARY, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
console.error('leeway: compiling the library to dist-lib/…')
const { status } = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.lib.json')], {
  cwd: ROOT,
  stdio: ['ignore', 2, 2],
})
if (status !== 0) {
  rmSync(LIBRARY, { recursive: true, force: true })
  console.error('leeway: the library does not compile: see the errors above')
  process.exit(1)
}
// A package never ships a server older than its sources, whatever dist-server/ held before.
compileServerOrExit()
for (const folder of [LIBRARY, join(ROOT, 'dist-server')]) forEachDeclaration(folder, jsSpecifiers)

// tsc rewrites `./x.ts` imports to `./x.js` in JavaScript but not in .d.ts files; a vendor's
// TypeScript, without allowImportingTsExtensions, must find the declarations as it finds the code.
function jsSpecifiers(file) {
  const declaration = readFileSync(file, 'utf8')
  const rewritten = declaration.replace(
    /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g,
    (_, keyword, quote, path) => `${keyword}${quote}${path}.js${quote}`,
  )
  if (rewritten !== declaration) writeFileSync(file, rewritten)
}

function forEachDeclaration(folder, action) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) forEachDeclaration(path, action)
    else if (entry.name.endsWith('.d.ts')) action(path)
  }
}
