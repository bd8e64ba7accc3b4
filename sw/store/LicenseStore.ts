import { exportKey, generateEcKeyPair, thumbprint, toPublicJwk } from '../../src/core/index.ts'
import type { PublicJwk } from '../../src/core/index.ts'
import {
  GRANT_FORMAT,
  isStoredLicense,
  markGrant,
  productMark,
  readHighWater,
} from './highWater.ts'
import type { GrantMark, HighWater, HighWaterView, StoredLicense } from './highWater.ts'
import type { KeyRecord, LeewayDb, QueuedRequest } from './LeewayDb.ts'
import { createSealingKey, seal, unseal } from './sealing.ts'
import { TelemetryStore } from './TelemetryStore.ts'

export type { GrantMark, HighWaterView, StoredLicense } from './highWater.ts'

/** This device: a random id and a non-extractable P-256 key pair that proves possession. */
export interface DeviceIdentity {
  id: string
  keyPair: CryptoKeyPair
  publicJwk: PublicJwk
  jkt: string
}

/** A stored grant; `format` is the record's (see GRANT_FORMAT): 1 for one written before it. */
export type ReadResult =
  { kind: 'none' } | { kind: 'ok'; value: StoredLicense; format: number } | { kind: 'unreadable' }

const GRANT_PREFIX = 'grant:'
/** The sealed high-water record, beside the grants; not a grant, so `products()` never lists it. */
const HIGH_WATER = 'check-hw'
/** Where versions before the high-water record kept `lastSeen`, unsealed. */
const LEGACY_LAST_SEEN = 'lastSeen'

/** The worker's persistent state in IndexedDB: sealed grants, keys, small settings, the queue and telemetry. */
export class LicenseStore {
  readonly #db: LeewayDb
  #sealingKey: Promise<CryptoKey> | undefined
  #device: Promise<DeviceIdentity> | undefined
  #highWater: Promise<HighWaterView> | undefined
  /** High-water writes, one at a time in call order: each seals the record as the last one left it. */
  #writes: Promise<unknown> = Promise.resolve()
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
      return {
        kind: 'ok',
        value: { grant: value.grant, certs: value.certs },
        format: typeof value.v === 'number' ? value.v : 1,
      }
    } catch {
      return { kind: 'unreadable' }
    }
  }

  /**
   * Stores the grant of `product` (verified by the caller, who passes its `mark`) and raises the
   * high-water record in the same transaction: neither is ever written without the other.
   */
  async writeLicense(product: string, value: StoredLicense, mark: GrantMark): Promise<void> {
    const name = GRANT_PREFIX + product
    await this.#changeHighWater(
      (current) => ({
        ...current,
        products: {
          ...current.products,
          [product]: markGrant(productMark(current, product), mark, value),
        },
      }),
      { name, value: { v: GRANT_FORMAT, grant: value.grant, certs: value.certs } },
    )
  }

  /**
   * The sealed high-water record (lastSeen, the last successful check, the newest grants), read
   * once; on the first run after the update that introduced it, `lastSeen` comes from meta.
   */
  highWater(): Promise<Readonly<HighWaterView>> {
    this.#highWater ??= this.#loadHighWater().catch((error: unknown) => {
      this.#highWater = undefined
      throw error
    })
    return this.#highWater
  }

  /** Records a new `lastSeen` and/or the time of a successful check, sealed. */
  async updateHighWater(patch: Partial<Pick<HighWater, 'lastSeen' | 'checkedAt'>>): Promise<void> {
    await this.#changeHighWater((current) => ({ ...current, ...patch }))
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

  async #loadHighWater(): Promise<HighWaterView> {
    const [record, legacy] = await this.#db.transaction(['records', 'meta'], 'readonly', (tx) =>
      Promise.all([
        tx.objectStore('records').get(HIGH_WATER),
        tx.objectStore('meta').get(LEGACY_LAST_SEEN),
      ]),
    )
    if (!record) {
      // A lastSeen only ever makes the clock guard stricter, so the unsealed one is safe to take.
      const lastSeen =
        typeof legacy?.value === 'number' && Number.isFinite(legacy.value) ? legacy.value : null
      return { origin: 'absent', lastSeen, checkedAt: null, products: {} }
    }
    try {
      const value = readHighWater(await unseal(await this.#key(), HIGH_WATER, record))
      if (value) return { origin: 'stored', ...value }
    } catch {
      // Altered, or sealed under a key that is gone: it vouches for nothing.
    }
    return { origin: 'unreadable', lastSeen: null, checkedAt: null, products: {} }
  }

  /**
   * Writes the high-water record as `change` makes it, with `beside` (a record to seal under its
   * own name) in the same transaction. The unsealed lastSeen of earlier versions goes with the
   * first write.
   */
  #changeHighWater(
    change: (current: HighWater) => HighWater,
    beside?: { name: string; value: unknown },
  ): Promise<void> {
    const run = this.#writes.then(async () => {
      const current = await this.highWater()
      const next = change({
        lastSeen: current.lastSeen,
        checkedAt: current.checkedAt,
        products: current.products,
      })
      const key = await this.#key()
      // Sealed before the transaction: IndexedDB commits one that waits on anything but itself.
      const highWater = { name: HIGH_WATER, ...(await seal(key, HIGH_WATER, next)) }
      const other = beside && { name: beside.name, ...(await seal(key, beside.name, beside.value)) }
      await this.#db.transaction(['records', 'meta'], 'readwrite', async (tx) => {
        const records = tx.objectStore('records')
        await Promise.all([
          records.put(highWater),
          other && records.put(other),
          current.origin === 'stored' ? undefined : tx.objectStore('meta').delete(LEGACY_LAST_SEEN),
        ])
      })
      this.#highWater = Promise.resolve({ origin: 'stored', ...next })
    })
    this.#writes = run.catch(() => undefined)
    return run
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

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `dev_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}
