import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Whether the demo app's sources are here to build: in a clone, yes; in the npm package a vendor
 * installs (which ships the compiled server, not the demo), no. Looked for beside the package.json
 * nearest above this file, which runs from server/ or from dist-server/server/.
 */
export function demoAppSourcesPresent(): boolean {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return existsSync(join(dir, 'index.html'))
    if (dirname(dir) === dir) return false
  }
}
