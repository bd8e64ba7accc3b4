import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CryptoKey, PublicJwk } from '../../src/core/index.ts'
import { ConfigError } from '../config/ConfigError.ts'
import type { DeploymentSettings } from '../config/deploymentSettings.ts'
import { Kek } from '../keys/Kek.ts'
import { KeyService } from '../keys/KeyService.ts'
import { DatabaseSecrets } from '../secrets/DatabaseSecrets.ts'
import { FileSecrets } from '../secrets/FileSecrets.ts'
import type { Secrets } from '../secrets/Secrets.ts'
import type { AppDeps } from '../services.ts'
import { isPostgresUrl, openStore } from '../storage/openStore.ts'
import type { StoreConfig } from '../storage/openStore.ts'
import type { Backend, KyselyStore } from '../storage/KyselyStore.ts'
import { loadOrCreateRootKey } from './rootKey.ts'
import { seedDemo } from './seedDemo.ts'
import type { DemoLicense } from './seedDemo.ts'

/** Everything a server or the CLI needs from a data folder (SQLite) or a shared database. */
export interface Deployment {
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
  demo: DemoLicense | undefined
  deps(overrides?: Partial<AppDeps>): AppDeps
}

export interface OpenDeploymentOptions extends DeploymentSettings {
  /** Make a demo license on first run (`npm start`, `leeway init`). */
  seedDemo?: boolean
  now?: () => number
}

const DATABASE_FILE = 'leeway.db'
const KEK_FILE = 'kek'

/**
 * Opens a data folder (or, with `databaseUrl`, a shared PostgreSQL database), creating what is
 * missing: database, KEK (SQLite only), root key, first signing key, admin token, the key-hash
 * secret, the demo manifest and (with `seedDemo`) a demo license. Idempotent: a second run reuses
 * everything, and instances starting together on one PostgreSQL create each thing once.
 */
export async function openDeployment(
  dirInput: string,
  options: OpenDeploymentOptions = {},
): Promise<Deployment> {
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

function storeConfig(dir: string, settings: DeploymentSettings): StoreConfig {
  const url = settings.databaseUrl
  if (url === undefined) return { backend: 'sqlite', file: join(dir, DATABASE_FILE) }
  if (!isPostgresUrl(url))
    throw new ConfigError(
      'DATABASE_URL must be postgres://…; leave it unset to use SQLite in the folder',
    )
  return {
    backend: 'postgres',
    url,
    ...(settings.poolSize === undefined ? {} : { poolSize: settings.poolSize }),
  }
}

async function initialise(
  store: KyselyStore,
  secrets: Secrets,
  kek: Kek,
  options: OpenDeploymentOptions & { now: () => number },
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

  const keys = new KeyService(store, rootPublicJwk, kek)
  await keys.sealStoredKeys()
  if ((await store.listSigningKeys()).length === 0) {
    if (!rootPrivateKey)
      throw new Error(
        'no signing key and no root private key: run `leeway keys rotate --root-key FILE`',
      )
    await keys.rotate(rootPrivateKey, now())
  }

  const demo = await seedDemo(store, secrets, {
    keyHashSecret,
    now,
    license: options.seedDemo === true,
  })
  return { keys, adminToken, keyHashSecret, issuer, rootPublicJwk, rootPrivateKey, demo }
}

function readOrCreateKekFile(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const value = Kek.generate()
  // Owner-only, and never over an existing one: a lost KEK makes the signing keys unreadable.
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' })
  return value
}
