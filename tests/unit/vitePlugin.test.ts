import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { build } from 'vite'
import { LeewayConfigError, leeway, leewayConfig } from '../../src/vite/index.ts'
import type { LeewayPluginOptions } from '../../src/vite/index.ts'

// Leeway's Vite plugin: what a vendor's build pins, and the builds it refuses. The builds here are
// real Vite builds of a two-file app in a temporary folder.

let root: string
let rootJwk: JsonWebKey
let privateJwk: JsonWebKey

beforeAll(async () => {
  mkdirSync('.tmp', { recursive: true })
  root = mkdtempSync(join(process.cwd(), '.tmp', 'vite-plugin-'))
  // The page and the worker read the same module.
  writeFileSync(
    join(root, 'page.js'),
    "import config from 'virtual:leeway/config'\nglobalThis.pageConfig = config\n",
  )
  writeFileSync(
    join(root, 'worker.js'),
    "import config from 'virtual:leeway/config'\nself.workerConfig = config\n",
  )
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])
  rootJwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
  privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

async function buildApp(options: LeewayPluginOptions): Promise<string> {
  const result = await build({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [leeway(options)],
    build: {
      write: false,
      minify: false,
      rolldownOptions: { input: { page: join(root, 'page.js'), worker: join(root, 'worker.js') } },
    },
  })
  const outputs = Array.isArray(result) ? result : [result]
  return outputs
    .flatMap((item) => ('output' in item ? item.output : []))
    .map((chunk) => (chunk.type === 'chunk' ? chunk.code : ''))
    .join('\n')
}

describe('a build', () => {
  test('pins the root key, product and API base into page and worker alike', async () => {
    const code = await buildApp({
      product: 'sketch',
      rootKey: { jwk: rootJwk },
      apiOrigin: 'https://license.example.com',
    })
    expect(code).toContain(rootJwk.x)
    expect(code).toContain('https://license.example.com/api/v1')
    expect(code).toContain('sketch')
    // One module, so page and worker cannot be built with different keys.
    expect(code.match(new RegExp(rootJwk.x ?? 'none', 'g'))).toHaveLength(1)
  })

  test('fails without a public root key, saying which setting is missing', async () => {
    delete process.env.LEEWAY_TEST_UNSET_ROOT
    await expect(
      buildApp({ product: 'sketch', rootKey: { env: 'LEEWAY_TEST_UNSET_ROOT' } }),
    ).rejects.toThrow(/LEEWAY_TEST_UNSET_ROOT is not set: a build must pin/)
  })

  test('fails when handed the private root key, and pins nothing of it', async () => {
    await expect(buildApp({ product: 'sketch', rootKey: { jwk: privateJwk } })).rejects.toThrow(
      /holds a private key/,
    )
  })

  test('reads the key from a file relative to the root, or from the environment', async () => {
    writeFileSync(join(root, 'root.pub.json'), JSON.stringify(rootJwk))
    expect(await buildApp({ product: 'sketch', rootKey: { file: 'root.pub.json' } })).toContain(
      rootJwk.x,
    )
    process.env.LEEWAY_TEST_ROOT = JSON.stringify(rootJwk)
    expect(await buildApp({ product: 'sketch', rootKey: { env: 'LEEWAY_TEST_ROOT' } })).toContain(
      rootJwk.x,
    )
    delete process.env.LEEWAY_TEST_ROOT
  })
})

describe('leewayConfig', () => {
  const valid = (): LeewayPluginOptions => ({ product: 'notes', rootKey: { jwk: rootJwk } })

  test('defaults: the app’s own origin, the 10 s wait, no other names', () => {
    const config = leewayConfig(valid(), root)
    expect(config).toEqual({
      rootJwk: { kty: 'EC', crv: 'P-256', x: rootJwk.x, y: rootJwk.y },
      product: 'notes',
      apiBase: '/api/v1',
      requestTimeoutMs: 10_000,
    })
  })

  test('keeps only the members that define a public key', () => {
    const config = leewayConfig(
      { ...valid(), rootKey: { jwk: { ...rootJwk, kid: 'x', alg: 'ES256' } } },
      root,
    )
    expect(Object.keys(config.rootJwk).sort()).toEqual(['crv', 'kty', 'x', 'y'])
  })

  test.each([
    ['an origin with a path', { apiOrigin: 'https://license.example.com/api' }, /origin alone/],
    ['a non-http origin', { apiOrigin: 'ftp://license.example.com' }, /origin alone/],
    ['not a URL', { apiOrigin: 'license.example.com' }, /is not a URL/],
    ['a timeout of 0', { requestTimeoutMs: 0 }, /requestTimeoutMs/],
    ['a fractional timeout', { requestTimeoutMs: 1500.5 }, /requestTimeoutMs/],
    ['no product', { product: ' ' }, /`product` is required/],
    ['a key file that is absent', { rootKey: { file: 'nowhere.json' } }, /does not exist/],
    [
      'a key that is not a P-256 JWK',
      { rootKey: { jwk: { kty: 'RSA', n: 'x', e: 'AQAB' } } },
      /not a public P-256 JWK/,
    ],
  ])('refuses %s', (_, change, message) => {
    const attempt = () => leewayConfig({ ...valid(), ...change } as LeewayPluginOptions, root)
    expect(attempt).toThrow(LeewayConfigError)
    expect(attempt).toThrow(message)
  })

  test('an origin with a trailing slash is the origin', () => {
    expect(leewayConfig({ ...valid(), apiOrigin: 'http://127.0.0.1:9000/' }, root).apiBase).toBe(
      'http://127.0.0.1:9000/api/v1',
    )
  })
})
