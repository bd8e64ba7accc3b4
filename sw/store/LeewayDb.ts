import { openDB, unwrap } from 'idb'
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'

/** A key kept in IndexedDB as a CryptoKey object: non-extractable keys never leave WebCrypto. */
export interface KeyRecord {
  name: 'sealing' | 'device'
  key: CryptoKey | CryptoKeyPair
  /** The device id, stored with the device key pair so the two are created together. */
  deviceId?: string
}

/** A record sealed with AES-GCM; `name` is bound into the seal as additional data. */
export interface SealedRecord {
  name: string
  iv: Uint8Array<ArrayBuffer>
  data: ArrayBuffer
}

export interface MetaRecord {
  name: string
  value: unknown
}

export interface QueuedRequest {
  id?: number
  /** `give-back`: a floating license's slot (a borrow) returned while offline (#15). */
  kind: 'deactivate' | 'give-back'
  product: string
  createdAt: number
  attempts: number
}

/**
 * Opt-in telemetry: `consent` (the user's choice), `counters` (counts not yet accepted by the
 * server) and `progress` (the day last accepted, a pending reconnection, the last status seen).
 * Counters only; nothing that names the user, and no times beyond those three.
 */
export interface TelemetryRecord {
  name: 'consent' | 'counters' | 'progress'
  value: unknown
}

/** The stores of the current schema version, as idb types them. */
export interface LeewaySchema extends DBSchema {
  keys: { key: KeyRecord['name']; value: KeyRecord }
  records: { key: string; value: SealedRecord }
  meta: { key: string; value: MetaRecord }
  queue: { key: number; value: QueuedRequest; indexes: { kind: QueuedRequest['kind'] } }
  telemetry: { key: TelemetryRecord['name']; value: TelemetryRecord }
}

export type LeewayStoreName = StoreNames<LeewaySchema>

export type LeewayTransaction<
  Names extends ArrayLike<LeewayStoreName>,
  Mode extends IDBTransactionMode,
> = IDBPTransaction<LeewaySchema, Names, Mode>

export const DATABASE_NAME = 'leeway'

/**
 * IndexedDB version = schema version × 10. Devices already hold this database as Dexie wrote it,
 * and Dexie stores its version 1 as 10 and its version 2 as 20: the same numbers open it as it is.
 */
export const INDEXEDDB_VERSION_FACTOR = 10

/** An object store: its key path, whether IndexedDB generates the keys, and its indexes. */
export interface StoreDefinition {
  keyPath: string
  autoIncrement?: boolean
  /** Non-unique indexes, each named after the property it indexes. */
  indexes?: readonly string[]
}

/** One version of the schema: its stores, and the step that brings the data of the previous one. */
export interface SchemaVersion {
  version: number
  /** Stores new in this version, or redeclared with their full set of indexes; null deletes one. */
  stores: Record<string, StoreDefinition | null>
  /** Runs in the upgrade transaction: it may await only requests of that transaction. */
  upgrade?: (transaction: LeewayTransaction<LeewayStoreName[], 'versionchange'>) => Promise<void>
}

/**
 * Every schema version, for ever. A new app version appends one (with its upgrade step) and never
 * drops `keys` or `records`, so an update never loses the grants nor forces a re-activation.
 */
export const SCHEMA: readonly SchemaVersion[] = [
  {
    version: 1,
    stores: {
      keys: { keyPath: 'name' },
      records: { keyPath: 'name' },
      meta: { keyPath: 'name' },
      queue: { keyPath: 'id', autoIncrement: true, indexes: ['kind'] },
    },
  },
  {
    // Telemetry counters get a store of their own; the consent moves there from `meta`.
    version: 2,
    stores: { telemetry: { keyPath: 'name' } },
    upgrade: async (transaction) => {
      const consent = await transaction.objectStore('meta').get('telemetryOptIn')
      if (!consent) return
      await transaction
        .objectStore('telemetry')
        .put({ name: 'consent', value: consent.value === true })
      await transaction.objectStore('meta').delete('telemetryOptIn')
    },
  },
]

/**
 * The worker's database over idb. It opens on first use, and again on the next use after a newer
 * worker asked for it to be closed (to upgrade it) or the browser closed it.
 * @example await db.transaction(['meta'], 'readonly', (tx) => tx.store.get('lastSeen'))
 */
export class LeewayDb {
  readonly name: string
  readonly #schema: readonly SchemaVersion[]
  #connection: Promise<IDBPDatabase<LeewaySchema>> | undefined

  constructor(name: string, schema: readonly SchemaVersion[]) {
    this.name = name
    this.#schema = schema
  }

  /** The open connection; a failed open is tried again by the next call. */
  connection(): Promise<IDBPDatabase<LeewaySchema>> {
    if (this.#connection) return this.#connection
    const connection = this.#open(() => this.#forget(connection))
    this.#connection = connection
    connection.catch(() => this.#forget(connection))
    return connection
  }

  /**
   * Runs `work` in one transaction over `stores`: all its writes are kept or, if it throws or a
   * request fails, none. `work` may await only requests of this transaction.
   */
  async transaction<
    const Names extends ArrayLike<LeewayStoreName>,
    Mode extends IDBTransactionMode,
    T,
  >(
    stores: Names,
    mode: Mode,
    work: (transaction: LeewayTransaction<Names, Mode>) => Promise<T>,
  ): Promise<T> {
    const transaction = (await this.connection()).transaction(stores, mode)
    const result = work(transaction).catch((error: unknown) => {
      abortQuietly(transaction)
      throw error
    })
    // Both awaited: a transaction that fails to commit rejects, and never unhandled.
    const [value] = await Promise.all([result, transaction.done])
    return value
  }

  /** Closes the connection once its transactions end; the next use opens it again. */
  close(): void {
    const connection = this.#connection
    this.#connection = undefined
    void connection?.then((db) => db.close()).catch(() => undefined)
  }

  /** Opens the database, upgraded to the last schema version; `closed` when it is let go. */
  async #open(closed: () => void): Promise<IDBPDatabase<LeewaySchema>> {
    const schema = this.#schema
    let version: number | undefined = (schema.at(-1)?.version ?? 1) * INDEXEDDB_VERSION_FACTOR
    for (let attempt = 1; ; attempt++) {
      try {
        const opening = openDB<LeewaySchema>(this.name, version, {
          upgrade: (_db, oldVersion, _newVersion, transaction) => {
            // A failed upgrade rejects the open itself; its transaction's own rejection is not news.
            transaction.done.catch(() => undefined)
            upgrade(schema, oldVersion, transaction)
          },
          // A newer worker waits to upgrade the database: close it, and open again on next use.
          blocking: () => {
            closed()
            void opening.then((db) => db.close())
          },
          terminated: closed,
        })
        return await opening
      } catch (error) {
        const name = errorName(error)
        // A newer worker already upgraded it: open it as it is (the schema policy keeps our stores).
        if (name === 'VersionError' && version !== undefined) version = undefined
        // Chrome sometimes fails an open with UnknownError, and the next try succeeds.
        else if (name !== 'UnknownError' || attempt >= 3) throw error
      }
    }
  }

  #forget(connection: Promise<IDBPDatabase<LeewaySchema>>): void {
    if (this.#connection === connection) this.#connection = undefined
  }
}

/** The worker's database with every schema version declared; nothing opens until first use. */
export function openLeewayDb(
  name = DATABASE_NAME,
  schema: readonly SchemaVersion[] = SCHEMA,
): LeewayDb {
  return new LeewayDb(name, schema)
}

/**
 * Applies, in order, every version newer than the one on disk. Store changes of a version run
 * after the data step of the one before it, within the same upgrade transaction; a step that fails
 * aborts it, which leaves the database as it was.
 */
function upgrade(
  schema: readonly SchemaVersion[],
  oldVersion: number,
  transaction: LeewayTransaction<LeewayStoreName[], 'versionchange'>,
): void {
  let previous: Promise<void> | undefined
  try {
    for (const step of schema) {
      if (step.version * INDEXEDDB_VERSION_FACTOR <= oldVersion) continue
      const apply = () => {
        applyStores(unwrap(transaction), step.stores)
        return step.upgrade?.(transaction)
      }
      previous = previous ? previous.then(apply) : apply()
    }
  } catch {
    abortQuietly(transaction)
  }
  previous?.catch(() => abortQuietly(transaction))
}

function applyStores(transaction: IDBTransaction, stores: SchemaVersion['stores']): void {
  const db = transaction.db
  for (const [name, definition] of Object.entries(stores)) {
    const exists = db.objectStoreNames.contains(name)
    if (definition === null) {
      if (exists) db.deleteObjectStore(name)
      continue
    }
    const store = exists
      ? transaction.objectStore(name)
      : db.createObjectStore(name, {
          keyPath: definition.keyPath,
          autoIncrement: definition.autoIncrement === true,
        })
    const indexes = definition.indexes ?? []
    for (const index of Array.from(store.indexNames)) {
      if (!indexes.includes(index)) store.deleteIndex(index)
    }
    for (const index of indexes) {
      if (!store.indexNames.contains(index)) store.createIndex(index, index)
    }
  }
}

function abortQuietly(transaction: { abort(): void }): void {
  try {
    transaction.abort()
  } catch {
    // Already committed or aborted.
  }
}

function errorName(error: unknown): string {
  return error instanceof DOMException || error instanceof Error ? error.name : ''
}
