import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  exportKey,
  generateEcKeyPair,
  importKey,
  isPublicJwk,
  toPublicJwk,
} from '../src/core/index.ts'
import type { CryptoKey, JWK, PublicJwk } from '../src/core/index.ts'
import { DEMO_MANIFEST } from './demoManifest.ts'
import { KeyService } from './keys/KeyService.ts'
import { AdminService } from './services/AdminService.ts'
import { ManifestService } from './services/ManifestService.ts'
import { openSqlite } from './storage/openSqlite.ts'
import type { KyselyStore } from './storage/KyselyStore.ts'
import type { AppDeps } from './services.ts'

/** Everything a server or the CLI needs from a data folder. */
export interface DataDir {
  dir: string
  store: KyselyStore
  keys: KeyService
  adminToken: string
  keyHashSecret: string
  issuer: string
  rootPublicJwk: PublicJwk
  /** Absent when the operator keeps the root key off the server. */
  rootPrivateKey: CryptoKey | undefined
  /** The demo license made on first run, if any. */
  demo: { id: string; key: string } | undefined
  deps(overrides?: Partial<AppDeps>): AppDeps
}

const FILES = {
  database: 'leeway.db',
  rootKey: 'root-key.json',
  rootPublic: 'root.pub.json',
  adminToken: 'admin-token',
  secret: 'key-hash-secret',
  demo: 'demo-license.json',
}

/**
 * Opens a data folder, creating what is missing: database, root key, first signing key, admin
 * token, the key-hash secret, the demo manifest and (with `seedDemo`) a demo license. Idempotent:
 * a second run reuses everything.
 */
export async function openDataDir(
  dirInput: string,
  options: { seedDemo?: boolean; now?: () => number } = {},
): Promise<DataDir> {
  const dir = resolve(dirInput)
  const now = options.now ?? Date.now
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = (name: string) => join(dir, name)

  const { rootPublicJwk, rootPrivateKey } = await loadOrCreateRootKey(
    path(FILES.rootKey),
    path(FILES.rootPublic),
  )
  const adminToken = readOrCreateSecret(
    path(FILES.adminToken),
    () => `lwa_${randomBytes(24).toString('base64url')}`,
  )
  const keyHashSecret = readOrCreateSecret(path(FILES.secret), () =>
    randomBytes(32).toString('base64url'),
  )

  const store = await openSqlite(path(FILES.database))
  const issuer = await store.initSetting('issuer', `urn:leeway:${randomBytes(8).toString('hex')}`)
  const manifests = new ManifestService(store, now)
  if (!(await store.currentManifest()))
    await manifests.publish(DEMO_MANIFEST, 'leeway init', 'demo manifest')

  const keys = new KeyService(store, rootPublicJwk)
  if ((await store.listSigningKeys()).length === 0) {
    if (!rootPrivateKey)
      throw new Error(
        `no signing key and no root private key in ${dir}: run \`leeway keys rotate --root-key FILE\``,
      )
    await keys.rotate(rootPrivateKey, now())
  }

  let demo: { id: string; key: string } | undefined
  if (existsSync(path(FILES.demo))) {
    demo = JSON.parse(readFileSync(path(FILES.demo), 'utf8')) as { id: string; key: string }
  } else if (options.seedDemo) {
    const admin = new AdminService(store, manifests, keyHashSecret, now)
    const license = await admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 3,
      termEnd: now() + 365 * 86_400_000,
      note: 'demo license made by npm start',
    })
    demo = { id: license.id, key: license.key }
    writeFileSync(path(FILES.demo), `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 })
  }

  return {
    dir,
    store,
    keys,
    adminToken,
    keyHashSecret,
    issuer,
    rootPublicJwk,
    rootPrivateKey,
    demo,
    deps: (overrides = {}) => ({
      store,
      keys,
      adminToken,
      keyHashSecret,
      issuer,
      rootPrivateKey,
      now,
      ...overrides,
    }),
  }
}

async function loadOrCreateRootKey(
  privateFile: string,
  publicFile: string,
): Promise<{ rootPublicJwk: PublicJwk; rootPrivateKey: CryptoKey | undefined }> {
  if (existsSync(privateFile)) {
    const jwk = JSON.parse(readFileSync(privateFile, 'utf8')) as JWK
    return { rootPublicJwk: toPublicJwk(jwk), rootPrivateKey: await importKey(jwk) }
  }
  if (existsSync(publicFile)) {
    const jwk: unknown = JSON.parse(readFileSync(publicFile, 'utf8'))
    if (!isPublicJwk(jwk)) throw new Error(`${publicFile} is not a public P-256 JWK`)
    return { rootPublicJwk: jwk, rootPrivateKey: undefined }
  }
  const pair = await generateEcKeyPair(true)
  const privateJwk = await exportKey(pair.privateKey)
  const rootPublicJwk = toPublicJwk(privateJwk)
  writeFileSync(privateFile, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600 })
  writeFileSync(publicFile, `${JSON.stringify(rootPublicJwk)}\n`)
  return { rootPublicJwk, rootPrivateKey: await importKey(privateJwk) }
}

function readOrCreateSecret(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const value = create()
  writeFileSync(file, `${value}\n`, { mode: 0o600 })
  return value
}

/** Reads a private JWK file, for `--root-key FILE`. */
export async function readPrivateKeyFile(file: string): Promise<CryptoKey> {
  return importKey(JSON.parse(readFileSync(file, 'utf8')) as JWK)
}
