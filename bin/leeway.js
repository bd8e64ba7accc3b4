#!/usr/bin/env node
// `leeway` runs the compiled CLI (dist-server/server/cli.js): plain Node, as the server runs in
// production. It compiles first when dist-server/ is missing or older than the sources rather than
// asking for `npm run build:server`: a fresh clone's `npx leeway` then just works (about ten
// seconds, once), and after an edit or a `git pull` the CLI never runs code older than what is checked out.
// When dist-server/ is current, which is the usual case, it starts at once.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { COMPILED, compileServerOrExit, compiledServerIsCurrent } from './compileServer.js'

if (!compiledServerIsCurrent()) compileServerOrExit()
try {
  await import(pathToFileURL(join(COMPILED, 'server', 'cli.js')).href)
} catch (error) {
  const missing = missingServerPackage(error)
  if (!missing) throw error
  console.error(`leeway: the license server needs ${missing}, which is not installed.`)
  console.error(`Install the server's packages (a browser app needs none of them):`)
  console.error(`  npm install ${serverPackages().join(' ')}`)
  process.exit(1)
}

// The server's dependencies are optional peers of the package (docs/packaging.md): an app that
// only imports leeway/sw or leeway/client never installs them, and the CLI names them when absent.
function serverPackages() {
  const { peerDependencies } = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  )
  return SERVER_PACKAGES.map((name) => `${name}@${peerDependencies[name]}`)
}

function missingServerPackage(error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') return undefined
  const name = /Cannot find package '([^']+)'/.exec(String(error.message))?.[1]
  return SERVER_PACKAGES.includes(name) || name === 'pg' ? name : undefined
}

/** Always needed by the server; `pg` only with PostgreSQL, and then loaded only there. */
const SERVER_PACKAGES = [
  '@hono/node-server',
  'better-sqlite3',
  'hono',
  'kysely',
  'pino',
  'prom-client',
]
