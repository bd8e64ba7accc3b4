import Dexie from 'dexie'
import type { EntityTable, Transaction } from 'dexie'

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
  kind: 'deactivate'
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

export type LeewayDatabase = Dexie & {
  keys: EntityTable<KeyRecord, 'name'>
  records: EntityTable<SealedRecord, 'name'>
  meta: EntityTable<MetaRecord, 'name'>
  queue: EntityTable<QueuedRequest, 'id'>
  telemetry: EntityTable<TelemetryRecord, 'name'>
}

export const DATABASE_NAME = 'leeway'

/** One version of the schema: its stores, and the step that brings the data of the previous one. */
export interface SchemaVersion {
  version: number
  stores: Record<string, string | null>
  upgrade?: (transaction: Transaction) => Promise<void>
}

/**
 * Every schema version, for ever. A new app version appends one (with its upgrade step) and never
 * drops `keys` or `records`, so an update never loses the grants nor forces a re-activation.
 */
export const SCHEMA: readonly SchemaVersion[] = [
  {
    version: 1,
    stores: { keys: 'name', records: 'name', meta: 'name', queue: '++id, kind' },
  },
  {
    // Telemetry counters get a store of their own; the consent moves there from `meta`.
    version: 2,
    stores: { telemetry: 'name' },
    upgrade: async (transaction) => {
      const consent = (await transaction.table('meta').get('telemetryOptIn')) as
        MetaRecord | undefined
      if (!consent) return
      await transaction.table('telemetry').put({ name: 'consent', value: consent.value === true })
      await transaction.table('meta').delete('telemetryOptIn')
    },
  },
]

/** Opens the worker's database with every schema version declared. */
export function openLeewayDb(
  name = DATABASE_NAME,
  schema: readonly SchemaVersion[] = SCHEMA,
): LeewayDatabase {
  const db = new Dexie(name) as LeewayDatabase
  for (const step of schema) {
    const version = db.version(step.version).stores(step.stores)
    if (step.upgrade) version.upgrade(step.upgrade)
  }
  return db
}
