import 'fake-indexeddb/auto'
import Dexie from 'dexie'
import type { Transaction } from 'dexie'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  emptyTelemetry,
  exportKey,
  generateEcKeyPair,
  thumbprint,
  toPublicJwk,
} from '../../../src/core/index.ts'
import { judgeGrant } from '../../../sw/store/highWater.ts'
import { SCHEMA, openLeewayDb } from '../../../sw/store/LeewayDb.ts'
import type { LeewayDb, MetaRecord, SchemaVersion } from '../../../sw/store/LeewayDb.ts'
import { LicenseStore } from '../../../sw/store/LicenseStore.ts'
import { createSealingKey, seal } from '../../../sw/store/sealing.ts'

// Devices already hold the worker's database as the Dexie-based store wrote it. The idb-based store
// must open that very database, at the IndexedDB version Dexie wrote, with everything in it.

/** The worker's database as the Dexie-based store declared it (sw/store/LeewayDb.ts before idb). */
function openWithDexie(name: string, schemaVersion: 1 | 2): Dexie {
  const db = new Dexie(name)
  db.version(1).stores({ keys: 'name', records: 'name', meta: 'name', queue: '++id, kind' })
  if (schemaVersion === 2) {
    db.version(2)
      .stores({ telemetry: 'name' })
      .upgrade(async (transaction: Transaction) => {
        const consent = (await transaction.table('meta').get('telemetryOptIn')) as
          MetaRecord | undefined
        if (!consent) return
        await transaction.table('telemetry').put({ name: 'consent', value: consent.value === true })
        await transaction.table('meta').delete('telemetryOptIn')
      })
  }
  return db
}

const LICENSE = { grant: 'header.payload.signature', certs: ['cert-1', 'cert-2'] }
const MARK = { sub: 'lic_1', seq: 1, status: 'active' } as const
const CHECK = { lastCheckAt: 1_800_000_000_000, failures: 2 }

/** Writes what a Dexie-era worker kept: keys, a sealed grant, settings and two queued requests. */
async function writeAsDexieWorkerDid(db: Dexie) {
  const sealingKey = await createSealingKey()
  const keyPair = await generateEcKeyPair(false)
  const deviceId = 'dev_00112233445566778899aabbccddeeff'
  await db.table('keys').put({ name: 'sealing', key: sealingKey })
  await db.table('keys').put({ name: 'device', key: keyPair, deviceId })
  await db
    .table('records')
    .put({ name: 'grant:notes', ...(await seal(sealingKey, 'grant:notes', LICENSE)) })
  await db.table('meta').put({ name: 'lastSeen', value: 1_800_000_000_000 })
  await db.table('meta').put({ name: 'check', value: CHECK })
  await db.table('queue').add({ kind: 'deactivate', product: 'notes', createdAt: 1, attempts: 2 })
  await db.table('queue').add({ kind: 'deactivate', product: 'other', createdAt: 2, attempts: 0 })
  const jkt = await thumbprint(toPublicJwk(await exportKey(keyPair.publicKey)))
  return { deviceId, jkt }
}

const dexies: Dexie[] = []
const stores: LeewayDb[] = []
let counter = 0
const freshName = () => `leeway-from-dexie-${++counter}`

function dexie(name: string, schemaVersion: 1 | 2): Dexie {
  const db = openWithDexie(name, schemaVersion)
  dexies.push(db)
  return db
}

function open(name: string, schema: readonly SchemaVersion[] = SCHEMA) {
  const db = openLeewayDb(name, schema)
  stores.push(db)
  return { db, store: new LicenseStore(db) }
}

afterEach(() => {
  for (const db of dexies.splice(0)) db.close()
  for (const db of stores.splice(0)) db.close()
})

/** Everything a Dexie-era worker wrote, read back through the idb-based store. */
async function expectEverythingKept(
  store: LicenseStore,
  written: { deviceId: string; jkt: string },
) {
  // Sealed before the format marker existed: format 1, which the worker migrates once.
  expect(await store.readLicense('notes')).toEqual({ kind: 'ok', value: LICENSE, format: 1 })
  expect(await store.products()).toEqual(['notes'])
  const device = await store.device()
  expect(device.id).toBe(written.deviceId)
  expect(device.jkt).toBe(written.jkt)
  expect(device.keyPair.privateKey.extractable).toBe(false)
  expect(await store.getMeta('lastSeen', 0)).toBe(1_800_000_000_000)
  expect(await store.getMeta('check', {})).toEqual(CHECK)
  const queued = await store.queued()
  expect(queued.map(({ id, product, attempts }) => ({ id, product, attempts }))).toEqual([
    { id: 1, product: 'notes', attempts: 2 },
    { id: 2, product: 'other', attempts: 0 },
  ])
  // The `kind` index Dexie made still answers: a second request for a product is not queued.
  await store.enqueue({ kind: 'deactivate', product: 'notes', createdAt: 3 })
  await store.enqueue({ kind: 'deactivate', product: 'third', createdAt: 4 })
  expect((await store.queued()).map((item) => [item.id, item.product])).toEqual([
    [1, 'notes'],
    [2, 'other'],
    [3, 'third'],
  ])
  await store.countAttempt(1)
  expect((await store.queued())[0]?.attempts).toBe(3)
}

describe('a database written by the Dexie-based worker', () => {
  it('is at IndexedDB version 10 for schema version 1 and 20 for version 2 (Dexie writes ×10)', async () => {
    const v1 = dexie(freshName(), 1)
    await v1.open()
    expect(v1.backendDB().version).toBe(10)
    const v2 = dexie(freshName(), 2)
    await v2.open()
    expect(v2.backendDB().version).toBe(20)
  })

  it('at schema version 2 opens as it is, with every grant, key, setting, queued request and count', async () => {
    const name = freshName()
    const old = dexie(name, 2)
    const written = await writeAsDexieWorkerDid(old)
    const counts = emptyTelemetry()
    counts.counters.rechecksOk = 4
    counts.reconnectCounts[2] = 1
    await old.table('telemetry').put({ name: 'consent', value: true })
    await old.table('telemetry').put({ name: 'counters', value: counts })
    await old.table('telemetry').put({
      name: 'progress',
      value: { sentDay: '2026-06-01', reconnectedAt: null, lastStatus: 'active' },
    })
    old.close()

    const { db, store } = open(name)
    await expectEverythingKept(store, written)
    expect(await store.telemetry.consent()).toBe(true)
    expect(await store.telemetry.counts()).toEqual(counts)
    expect(await store.telemetry.progress()).toEqual({
      sentDay: '2026-06-01',
      reconnectedAt: null,
      lastStatus: 'active',
    })
    expect((await db.connection()).version).toBe(20)
  })

  it('at schema version 1 is upgraded to 2, the telemetry consent moved out of meta', async () => {
    const name = freshName()
    const old = dexie(name, 1)
    const written = await writeAsDexieWorkerDid(old)
    await old.table('meta').put({ name: 'telemetryOptIn', value: true })
    old.close()

    const { db, store } = open(name)
    await expectEverythingKept(store, written)
    expect(await store.telemetry.consent()).toBe(true)
    expect(await store.getMeta('telemetryOptIn', 'gone')).toBe('gone')
    const connection = await db.connection()
    expect(connection.version).toBe(20)
    expect([...connection.objectStoreNames]).toEqual([
      'keys',
      'meta',
      'queue',
      'records',
      'telemetry',
    ])
  })

  it('at schema version 1 with no telemetry choice leaves telemetry off', async () => {
    const name = freshName()
    const old = dexie(name, 1)
    await old.table('meta').put({ name: 'lastSeen', value: 1 })
    old.close()
    expect(await open(name).store.telemetry.consent()).toBe(false)
  })
})

describe('a database written by a worker from before the sealed high-water record', () => {
  it('is the first run after the update: its grant migrates, and lastSeen comes from meta', async () => {
    const name = freshName()
    const old = dexie(name, 2)
    await writeAsDexieWorkerDid(old)
    old.close()

    const { store } = open(name)
    const read = await store.readLicense('notes')
    expect(read).toMatchObject({ kind: 'ok', format: 1 })
    const highWater = await store.highWater()
    expect(highWater).toMatchObject({ origin: 'absent', lastSeen: 1_800_000_000_000 })
    expect(judgeGrant(highWater, 'notes', MARK, 1)).toEqual({ kind: 'migrate' })

    await store.writeLicense('notes', LICENSE, MARK)
    const next = open(name).store
    expect(await next.readLicense('notes')).toEqual({ kind: 'ok', value: LICENSE, format: 2 })
    expect(await next.highWater()).toMatchObject({ origin: 'stored', lastSeen: 1_800_000_000_000 })
    expect(judgeGrant(await next.highWater(), 'notes', MARK, 2)).toEqual({ kind: 'sound' })
    expect(await next.getMeta('lastSeen', 'gone')).toBe('gone')
  })
})

describe('a database written by the idb-based worker', () => {
  it('still opens under the Dexie-based worker, at the same version (the update can overlap)', async () => {
    const name = freshName()
    const { db, store } = open(name)
    await store.writeLicense('notes', LICENSE, MARK)
    await store.setMeta('lastSeen', 7)
    await store.enqueue({ kind: 'deactivate', product: 'notes', createdAt: 1 })
    expect((await db.connection()).version).toBe(20)
    db.close()

    // Dexie would raise the version to patch a schema it does not recognise; it must not.
    const old = dexie(name, 2)
    await old.open()
    expect(old.backendDB().version).toBe(20)
    expect(await old.table('meta').get('lastSeen')).toEqual({ name: 'lastSeen', value: 7 })
    expect(await old.table('queue').where('kind').equals('deactivate').count()).toBe(1)
  })
})

describe('a worker still running when a newer one upgrades the database', () => {
  const NEXT: SchemaVersion = { version: 3, stores: { later: { keyPath: 'day' } } }

  it('closes it for the upgrade, then reopens it at the newer version and keeps its data', async () => {
    const name = freshName()
    const running = open(name).store
    await running.writeLicense('notes', LICENSE, MARK)

    const newer = open(name, [...SCHEMA, NEXT])
    expect((await newer.db.connection()).version).toBe(30)
    expect(await running.readLicense('notes')).toEqual({ kind: 'ok', value: LICENSE, format: 2 })
  })

  it('lets a Dexie-era worker close it for the upgrade too', async () => {
    const name = freshName()
    const old = dexie(name, 2)
    await writeAsDexieWorkerDid(old)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const newer = open(name, [...SCHEMA, NEXT])
    expect((await newer.db.connection()).version).toBe(30)
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('Closing db now to resume the upgrade'),
    )
    warn.mockRestore()
    expect(await newer.store.readLicense('notes')).toEqual({
      kind: 'ok',
      value: LICENSE,
      format: 1,
    })
  })
})

describe('an upgrade step that fails', () => {
  it('leaves the database as it was, and the store still opens it', async () => {
    const name = freshName()
    const first = open(name)
    await first.store.setMeta('lastSeen', 5)
    first.db.close()

    const failing: SchemaVersion = {
      version: 3,
      stores: { later: { keyPath: 'day' } },
      upgrade: async (transaction) => {
        await transaction.objectStore('meta').delete('lastSeen')
        throw new Error('step failed')
      },
    }
    const broken = open(name, [...SCHEMA, failing])
    await expect(broken.store.getMeta('lastSeen', 0)).rejects.toThrow()

    const again = open(name)
    expect(await again.store.getMeta('lastSeen', 0)).toBe(5)
    expect((await again.db.connection()).version).toBe(20)
  })
})
