// Leeway's Vite plugin (`leeway/vite`): one configuration for the page, the built worker and the dev
// worker. Runs in Node at build time, never in the browser.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Plugin, UserConfig } from 'vite'
import { DEFAULT_REQUEST_TIMEOUT_MS, isPublicJwk } from '../core/index.ts'
import type { LeewayConfig, PublicJwk } from '../core/index.ts'

/** The module the page and the worker import their configuration from. */
export const CONFIG_MODULE = 'virtual:leeway/config'

/** The license server's public API, below its origin. */
const API_PATH = '/api/v1'

/**
 * Where the root public key comes from: a JSON file (relative to the Vite root), an environment
 * variable holding the JSON, or the key itself (a build script that already has it).
 */
export type RootKeySource = { file: string } | { env: string } | { jwk: unknown }

export interface LeewayPluginOptions {
  /** The product this app is licensed as: the `aud` of its grants. */
  product: string
  /** The license server's root public key, pinned into the build (`leeway keys export-root`). */
  rootKey: RootKeySource
  /**
   * The license server's origin when it is not the app's own (`https://license.example.com`); its
   * server must then allow the app's origin (`LEEWAY_CORS_ORIGINS`).
   */
  apiOrigin?: string
  /** How long the worker waits for the license server before treating it as unreachable. */
  requestTimeoutMs?: number
  /** Where the worker's virtual endpoints live (default `/_license/`). */
  endpointBase?: string
  /** The IndexedDB database that holds the license (default `leeway`). */
  databaseName?: string
  /** The BroadcastChannel the worker announces state changes on (default `leeway`). */
  channelName?: string
}

/** What `virtual:leeway/config` exports (defined in the core, which page and worker share). */
export type { LeewayConfig }

/** A configuration that cannot be built: its message says what to change. */
export class LeewayConfigError extends Error {
  override name = 'LeewayConfigError'
}

/**
 * The plugin. The configuration reaches the page and the dev worker through the plugin, and the
 * worker vite-plugin-pwa builds (which runs without the app's plugins but with its `resolve`)
 * through an alias to a generated module. A build without a usable public root key fails.
 * @example
 * plugins: [leeway({ product: 'notes', rootKey: { env: 'LEEWAY_ROOT_JWK' } }), VitePWA({ strategies: 'injectManifest', … })]
 */
export function leeway(options: LeewayPluginOptions): Plugin {
  let problem: LeewayConfigError | undefined
  return {
    name: 'leeway',
    config(userConfig, { command, isPreview }) {
      const root = resolve(userConfig.root ?? process.cwd())
      let config: LeewayConfig
      try {
        config = leewayConfig(options, root)
      } catch (error) {
        if (!(error instanceof LeewayConfigError)) throw error
        // A build must pin a key. A dev server refuses to start (below), but tools that only read
        // the config (svelte-check, editors) and `vite preview`, which serves a finished build, go on.
        if (command === 'build') throw error
        problem = error
        if (isPreview) problem = undefined
        return
      }
      return {
        resolve: {
          alias: [
            { find: CONFIG_MODULE, replacement: writeConfigModule(config, userConfig, root) },
          ],
        },
      }
    },
    configureServer() {
      if (problem) throw problem
    },
  }
}

/** The configuration the options describe, checked; what is wrong throws `LeewayConfigError`. */
export function leewayConfig(options: LeewayPluginOptions, root: string): LeewayConfig {
  if (typeof options.product !== 'string' || options.product.trim() === '')
    throw new LeewayConfigError(
      'leeway: `product` is required: the product this app is licensed as',
    )
  const config: LeewayConfig = {
    rootJwk: readRootKey(options.rootKey, root),
    product: options.product,
    apiBase: `${apiOrigin(options.apiOrigin)}${API_PATH}`,
    requestTimeoutMs: requestTimeout(options.requestTimeoutMs),
  }
  if (options.endpointBase !== undefined) config.endpointBase = options.endpointBase
  if (options.databaseName !== undefined) config.databaseName = options.databaseName
  if (options.channelName !== undefined) config.channelName = options.channelName
  return config
}

/**
 * Checks that `value` is a public P-256 JWK and keeps only the members that define it, so nothing
 * else (and never a private part) is compiled into an app. `source` names where it came from.
 */
export function pinnableRootJwk(value: unknown, source: string): PublicJwk {
  if (typeof value === 'object' && value !== null && 'd' in value)
    throw new LeewayConfigError(
      `leeway: ${source} holds a private key; pin only the root's public JWK`,
    )
  if (!isPublicJwk(value))
    throw new LeewayConfigError(`leeway: ${source} is not a public P-256 JWK`)
  return { kty: value.kty, crv: value.crv, x: value.x, y: value.y }
}

const HOW_TO_GET_THE_KEY = '`leeway keys export-root` prints it'

function readRootKey(source: RootKeySource | undefined, root: string): PublicJwk {
  if (source && 'jwk' in source) return pinnableRootJwk(source.jwk, 'rootKey.jwk')
  if (source && 'env' in source) {
    const json = process.env[source.env]
    if (json === undefined || json.trim() === '')
      throw new LeewayConfigError(
        `leeway: ${source.env} is not set: a build must pin the license server's root public key, ` +
          `a P-256 JWK as JSON (${HOW_TO_GET_THE_KEY})`,
      )
    return pinnableRootJwk(parseJson(json, source.env), source.env)
  }
  if (source && 'file' in source) {
    const file = resolve(root, source.file)
    if (!existsSync(file))
      throw new LeewayConfigError(
        `leeway: the root key file ${file} does not exist (${HOW_TO_GET_THE_KEY})`,
      )
    return pinnableRootJwk(parseJson(readFileSync(file, 'utf8'), file), file)
  }
  throw new LeewayConfigError('leeway: `rootKey` is required: { file }, { env } or { jwk }')
}

function parseJson(json: string, source: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    throw new LeewayConfigError(`leeway: ${source} is not valid JSON`)
  }
}

/** `''` for the app's own origin; else an http(s) origin, without path, query or fragment. */
function apiOrigin(value: string | undefined): string {
  if (value === undefined || value === '') return ''
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new LeewayConfigError(`leeway: apiOrigin ${JSON.stringify(value)} is not a URL`)
  }
  if (!/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, ''))
    throw new LeewayConfigError(
      `leeway: apiOrigin ${JSON.stringify(value)} must be an http(s) origin alone, like https://license.example.com`,
    )
  return url.origin
}

function requestTimeout(value: number | undefined): number {
  if (value === undefined) return DEFAULT_REQUEST_TIMEOUT_MS
  if (!Number.isInteger(value) || value < 100 || value > 120_000)
    throw new LeewayConfigError(
      `leeway: requestTimeoutMs must be a whole number of milliseconds from 100 to 120000, not ${value}`,
    )
  return value
}

/**
 * Writes the configuration as a module in Vite's cache folder, named by its content: concurrent
 * builds of one app with different keys (tests, CI matrices) never read each other's.
 */
function writeConfigModule(config: LeewayConfig, userConfig: UserConfig, root: string): string {
  const source = `export default ${JSON.stringify(config)}\n`
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16)
  const folder = join(resolve(root, userConfig.cacheDir ?? 'node_modules/.vite'), 'leeway')
  const file = join(folder, `config-${hash}.js`)
  if (!existsSync(file)) {
    // Written aside, then renamed: a build starting meanwhile never reads half a file.
    mkdirSync(folder, { recursive: true })
    const partial = `${file}.${process.pid}.partial`
    writeFileSync(partial, source)
    renameSync(partial, file)
  }
  return file
}
