import Dexie from 'dexie'
import type { EntityTable } from 'dexie'

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

export type LeewayDatabase = Dexie & {
  keys: EntityTable<KeyRecord, 'name'>
  records: EntityTable<SealedRecord, 'name'>
  meta: EntityTable<MetaRecord, 'name'>
  queue: EntityTable<QueuedRequest, 'id'>
}

export const DATABASE_NAME = 'leeway'

/**
 * Opens the worker's database. Each schema version is declared here for ever, with its own upgrade
 * step; a new app version adds one and never drops `keys` or `records`, so an update never loses
 * the grants and never forces a re-activation.
 */
export function openLeewayDb(name = DATABASE_NAME): LeewayDatabase {
  const db = new Dexie(name) as LeewayDatabase
  db.version(1).stores({
    keys: 'name',
    records: 'name',
    meta: 'name',
    queue: '++id, kind',
  })
  return db
}
