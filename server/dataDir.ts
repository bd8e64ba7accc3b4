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
import { Kek } from './keys/Kek.ts'
import { KeyService } from './keys/KeyService.ts'
import { DatabaseSecrets } from './secrets/DatabaseSecrets.ts'
import { FileSecrets } from './secrets/FileSecrets.ts'
import type { Secrets } from './secrets/Secrets.ts'
import { AdminService } from './services/AdminService.ts'
import { ManifestService } from './services/ManifestService.ts'
import { isPostgresUrl, openStore } from './storage/openStore.ts'
import type { StoreConfig } from './storage/openStore.ts'
import type { Backend, KyselyStore } from './storage/KyselyStore.ts'
import type { AppDeps } from './services.ts'

/** Everything a server or the CLI needs from a data folder (SQLite) or a shared database. */
export interface DataDir {
  dir: string
  backend: Backend
  store: KyselyStore
  keys: KeyService
  kek: Kek
  /** The shared secrets: files of the folder (SQLite) or sealed settings (PostgreSQL). */
  secrets: Secrets
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

export interface DataDirOptions {
  /** Make a demo license on first run (`npm start`, `leeway init`). */
  seedDemo?: boolean
  now?: () => number
  /** `postgres://…` keeps everything in PostgreSQL, shared by any number of instances. */
  databaseUrl?: string | undefined
  /** Connections per instance to PostgreSQL. */
  poolSize?: number | undefined
  /** Key-encryption key (32 bytes, base64 or hex); on SQLite one is made in the folder if absent. */
  kek?: string | undefined
  /** Earlier KEKs, only to open values they sealed; those are sealed again under `kek` on start. */
  previousKeks?: readonly string[]
  /** Overrides the stored admin token (it is then neither made nor stored). */
  adminToken?: string | undefined
  /** A token that reads `GET /metrics` only (the admin token reads it too). */
  metricsToken?: string | undefined
  /** The secret license keys are hashed with; must equal the stored one if there is one. */
  keyHashSecret?: string | undefined
  /** Checks in progress at once before validate answers 429 (`Limits.checksInFlight`). */
  checksInFlight?: number | undefined
}

/** The options of a server process, from `LEEWAY_*` and `DATABASE_URL` (see docs/operations.md). */
export function dataDirOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DataDirOptions {
  const text = (name: string) => {
    const value = env[name]?.trim()
    return value ? value : undefined
  }
  const poolSize = text('LEEWAY_PG_POOL_SIZE')
  const checksInFlight = text('LEEWAY_MAX_CHECKS_IN_FLIGHT')
  if (checksInFlight !== undefined && !/^[1-9][0-9]{0,6}$/.test(checksInFlight))
    throw new ConfigError('LEEWAY_MAX_CHECKS_IN_FLIGHT must be a whole number from 1 to 9999999')
  return {
    databaseUrl: text('DATABASE_URL'),
    poolSize: poolSize === undefined ? undefined : Number(poolSize),
    kek: text('LEEWAY_KEK'),
    previousKeks: (text('LEEWAY_KEK_PREVIOUS') ?? '').split(',').filter((k) => k.trim()),
    adminToken: text('LEEWAY_ADMIN_TOKEN'),
    metricsToken: text('LEEWAY_METRICS_TOKEN'),
    keyHashSecret: text('LEEWAY_KEY_HASH_SECRET'),
    checksInFlight: checksInFlight === undefined ? undefined : Number(checksInFlight),
  }
}

/** A setting the operator must fix (a missing or mismatched key, a wrong URL); the message says how. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

const DATABASE_FILE = 'leeway.db'
const KEK_FILE = 'kek'

/**
 * Opens a data folder (or, with `databaseUrl`, a shared PostgreSQL database), creating what is
 * missing: database, KEK (SQLite only), root key, first signing key, admin token, the key-hash
 * secret, the demo manifest and (with `seedDemo`) a demo license. Idempotent: a second run reuses
 * everything, and instances starting together on one PostgreSQL create each thing once.
 */
export async function openDataDir(
  dirInput: string,
  options: DataDirOptions = {},
): Promise<DataDir> {
  const dir = resolve(dirInput)
  const now = options.now ?? Date.now
  const config = storeConfig(dir, options)
  let kekText = options.kek
  if (config.backend === 'postgres') {
    if (!kekText) {
      throw new ConfigError(
        'LEEWAY_KEK is required with DATABASE_URL=postgres://…: every instance must use the same key-encryption key (make one with `openssl rand -base64 32` and keep it in your secret manager)',
      )
    }
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    kekText ??= readOrCreateKekFile(join(dir, KEK_FILE))
  }
  const kek = Kek.parse(kekText, options.previousKeks ?? [])

  const store = await openStore(config)
  try {
    const secrets: Secrets =
      config.backend === 'postgres' ? new DatabaseSecrets(store, kek) : new FileSecrets(dir)
    const opened = await store.withInitLock(() =>
      initialise(store, secrets, kek, { ...options, now }),
    )
    const { rootPrivateKey, keys, adminToken, keyHashSecret, issuer } = opened
    return {
      dir,
      backend: store.backend,
      store,
      kek,
      secrets,
      ...opened,
      deps: (overrides = {}) => ({
        store,
        keys,
        adminToken,
        keyHashSecret,
        issuer,
        rootPrivateKey,
        now,
        // Buckets in memory would each let a full burst through per instance.
        rateLimits: store.backend === 'postgres' ? 'store' : 'memory',
        metricsToken: options.metricsToken,
        ...overrides,
        // The operator's setting holds whatever other limits a caller passes.
        ...(options.checksInFlight
          ? { limits: { ...overrides.limits, checksInFlight: options.checksInFlight } }
          : {}),
      }),
    }
  } catch (error) {
    await store.close()
    throw error
  }
}

function storeConfig(dir: string, options: DataDirOptions): StoreConfig {
  const url = options.databaseUrl
  if (url === undefined) return { backend: 'sqlite', file: join(dir, DATABASE_FILE) }
  if (!isPostgresUrl(url))
    throw new ConfigError(
      'DATABASE_URL must be postgres://…; leave it unset to use SQLite in the folder',
    )
  return {
    backend: 'postgres',
    url,
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
  }
}

async function initialise(
  store: KyselyStore,
  secrets: Secrets,
  kek: Kek,
  options: DataDirOptions & { now: () => number },
) {
  const { now } = options
  await secrets.sealAll()
  const { rootPublicJwk, rootPrivateKey } = await loadOrCreateRootKey(secrets)
  const adminToken =
    options.adminToken ??
    (await secrets.init('admin-token', `lwa_${randomBytes(24).toString('base64url')}`))
  const keyHashSecret = await secrets.init(
    'key-hash-secret',
    options.keyHashSecret ?? randomBytes(32).toString('base64url'),
  )
  if (options.keyHashSecret !== undefined && options.keyHashSecret !== keyHashSecret) {
    throw new ConfigError(
      'LEEWAY_KEY_HASH_SECRET differs from the key-hash secret stored with this data: every license key would stop matching. Unset it, or set it to the stored one',
    )
  }

  const issuer = await store.initSetting('issuer', `urn:leeway:${randomBytes(8).toString('hex')}`)
  const manifests = new ManifestService(store, now)
  if (!(await store.currentManifest()))
    await manifests.publish(DEMO_MANIFEST, 'leeway init', 'demo manifest')

  const keys = new KeyService(store, rootPublicJwk, kek)
  await keys.sealStoredKeys()
  if ((await store.listSigningKeys()).length === 0) {
    if (!rootPrivateKey)
      throw new Error(
        'no signing key and no root private key: run `leeway keys rotate --root-key FILE`',
      )
    await keys.rotate(rootPrivateKey, now())
  }

  let demo: { id: string; key: string } | undefined
  const stored = await secrets.get('demo-license')
  if (stored !== undefined) {
    demo = JSON.parse(stored) as { id: string; key: string }
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
    await secrets.init('demo-license', JSON.stringify(demo, null, 2))
  }
  return { keys, adminToken, keyHashSecret, issuer, rootPublicJwk, rootPrivateKey, demo }
}

async function loadOrCreateRootKey(
  secrets: Secrets,
): Promise<{ rootPublicJwk: PublicJwk; rootPrivateKey: CryptoKey | undefined }> {
  const privateText = await secrets.get('root-private-jwk')
  if (privateText !== undefined) {
    const jwk = JSON.parse(privateText) as JWK
    return { rootPublicJwk: toPublicJwk(jwk), rootPrivateKey: await importKey(jwk) }
  }
  const publicText = await secrets.get('root-public-jwk')
  if (publicText !== undefined) {
    const jwk: unknown = JSON.parse(publicText)
    if (!isPublicJwk(jwk)) throw new Error('the stored root public key is not a public P-256 JWK')
    return { rootPublicJwk: jwk, rootPrivateKey: undefined }
  }
  const pair = await generateEcKeyPair(true)
  const privateJwk = JSON.parse(
    await secrets.init('root-private-jwk', JSON.stringify(await exportKey(pair.privateKey))),
  ) as JWK
  const rootPublicJwk = toPublicJwk(privateJwk)
  await secrets.init('root-public-jwk', JSON.stringify(rootPublicJwk))
  return { rootPublicJwk, rootPrivateKey: await importKey(privateJwk) }
}

function readOrCreateKekFile(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const value = Kek.generate()
  // Owner-only, and never over an existing one: a lost KEK makes the signing keys unreadable.
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' })
  return value
}

/** Reads a private JWK file, for `--root-key FILE`. */
export async function readPrivateKeyFile(file: string): Promise<CryptoKey> {
  return importKey(JSON.parse(readFileSync(file, 'utf8')) as JWK)
}
