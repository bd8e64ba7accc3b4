import { exportKey, generateEcKeyPair, thumbprint, toPublicJwk } from '../../src/core/index.ts'
import type { PublicJwk } from '../../src/core/index.ts'
import type { KeyRecord, LeewayDb, QueuedRequest } from './LeewayDb.ts'
import { createSealingKey, seal, unseal } from './sealing.ts'
import { TelemetryStore } from './TelemetryStore.ts'

/** A grant with the certificates that verify it, as stored per product. */
export interface StoredLicense {
  grant: string
  certs: string[]
}

/** This device: a random id and a non-extractable P-256 key pair that proves possession. */
export interface DeviceIdentity {
  id: string
  keyPair: CryptoKeyPair
  publicJwk: PublicJwk
  jkt: string
}

export type ReadResult =
  { kind: 'none' } | { kind: 'ok'; value: StoredLicense } | { kind: 'unreadable' }

const GRANT_PREFIX = 'grant:'

/** The worker's persistent state in IndexedDB: sealed grants, keys, small settings, the queue and telemetry. */
export class LicenseStore {
  readonly #db: LeewayDb
  #sealingKey: Promise<CryptoKey> | undefined
  #device: Promise<DeviceIdentity> | undefined
  /** The opt-in telemetry counters, in the same database. */
  readonly telemetry: TelemetryStore

  constructor(db: LeewayDb) {
    this.#db = db
    this.telemetry = new TelemetryStore(db)
  }

  /** This device's identity, created on first use. */
  device(): Promise<DeviceIdentity> {
    this.#device ??= this.#loadOrCreateDevice().catch((error: unknown) => {
      this.#device = undefined
      throw error
    })
    return this.#device
  }

  async readLicense(product: string): Promise<ReadResult> {
    const name = GRANT_PREFIX + product
    const record = await this.#db.transaction(['records'], 'readonly', (tx) => tx.store.get(name))
    if (!record) return { kind: 'none' }
    try {
      const value = await unseal(await this.#key(), name, record)
      if (!isStoredLicense(value)) return { kind: 'unreadable' }
      return { kind: 'ok', value }
    } catch {
      return { kind: 'unreadable' }
    }
  }

  async writeLicense(product: string, value: StoredLicense): Promise<void> {
    const name = GRANT_PREFIX + product
    const sealed = await seal(await this.#key(), name, value)
    await this.#db.transaction(['records'], 'readwrite', (tx) => tx.store.put({ name, ...sealed }))
  }

  /** Products with a stored grant record (readable or not). */
  async products(): Promise<string[]> {
    const range = IDBKeyRange.bound(GRANT_PREFIX, `${GRANT_PREFIX}\uffff`)
    const names = await this.#db.transaction(['records'], 'readonly', (tx) =>
      tx.store.getAllKeys(range),
    )
    return names.map((name) => name.slice(GRANT_PREFIX.length))
  }

  async getMeta<T>(name: string, fallback: T): Promise<T> {
    const record = await this.#db.transaction(['meta'], 'readonly', (tx) => tx.store.get(name))
    return record === undefined ? fallback : (record.value as T)
  }

  async setMeta(name: string, value: unknown): Promise<void> {
    await this.#db.transaction(['meta'], 'readwrite', (tx) => tx.store.put({ name, value }))
  }

  async enqueue(request: Omit<QueuedRequest, 'id' | 'attempts'>): Promise<void> {
    await this.#db.transaction(['queue'], 'readwrite', async (tx) => {
      const same = await tx.store.index('kind').getAll(request.kind)
      if (!same.some((item) => item.product === request.product))
        await tx.store.add({ ...request, attempts: 0 })
    })
  }

  async queued(): Promise<QueuedRequest[]> {
    return this.#db.transaction(['queue'], 'readonly', (tx) => tx.store.getAll())
  }

  async dequeue(id: number): Promise<void> {
    await this.#db.transaction(['queue'], 'readwrite', (tx) => tx.store.delete(id))
  }

  async countAttempt(id: number): Promise<void> {
    await this.#db.transaction(['queue'], 'readwrite', async (tx) => {
      const item = await tx.store.get(id)
      if (item) await tx.store.put({ ...item, attempts: item.attempts + 1 })
    })
  }

  #key(): Promise<CryptoKey> {
    this.#sealingKey ??= this.#loadOrCreateSealingKey().catch((error: unknown) => {
      this.#sealingKey = undefined
      throw error
    })
    return this.#sealingKey
  }

  async #loadOrCreateSealingKey(): Promise<CryptoKey> {
    const existing = await this.#readKey('sealing')
    if (existing && existing.key instanceof CryptoKey) return existing.key
    const key = await createSealingKey()
    // Another worker instance may have raced us: the first key stored wins, for both.
    return this.#db.transaction(['keys'], 'readwrite', async (tx) => {
      const again = await tx.store.get('sealing')
      if (again && again.key instanceof CryptoKey) return again.key
      await tx.store.put({ name: 'sealing', key })
      return key
    })
  }

  #readKey(name: KeyRecord['name']): Promise<KeyRecord | undefined> {
    return this.#db.transaction(['keys'], 'readonly', (tx) => tx.store.get(name))
  }

  async #loadOrCreateDevice(): Promise<DeviceIdentity> {
    let record = await this.#readKey('device')
    if (!record || !isKeyPair(record.key) || !record.deviceId) {
      // Made before the transaction: IndexedDB commits one that waits on anything but itself.
      const keyPair = await generateEcKeyPair(false)
      const deviceId = randomId()
      record = await this.#db.transaction(['keys'], 'readwrite', async (tx) => {
        const again = await tx.store.get('device')
        if (again && isKeyPair(again.key) && again.deviceId) return again
        const fresh = { name: 'device' as const, key: keyPair, deviceId }
        await tx.store.put(fresh)
        return fresh
      })
    }
    const keyPair = record.key as CryptoKeyPair
    const publicJwk = toPublicJwk(await exportKey(keyPair.publicKey))
    return { id: record.deviceId ?? '', keyPair, publicJwk, jkt: await thumbprint(publicJwk) }
  }
}

function isKeyPair(value: CryptoKey | CryptoKeyPair): value is CryptoKeyPair {
  return 'privateKey' in value && 'publicKey' in value
}

function isStoredLicense(value: unknown): value is StoredLicense {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Partial<StoredLicense>
  return (
    typeof record.grant === 'string' &&
    Array.isArray(record.certs) &&
    record.certs.every((cert) => typeof cert === 'string')
  )
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `dev_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}
