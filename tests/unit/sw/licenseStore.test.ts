import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { SCHEMA } from '../../../sw/store/LeewayDb.ts'
import type { SchemaVersion } from '../../../sw/store/LeewayDb.ts'
import { closeOpenedStores, connect, freshName, openStore } from './testStores.ts'

// The worker's store on a real IndexedDB implementation (fake-indexeddb) and Node's WebCrypto.

afterEach(closeOpenedStores)

const LICENSE = { grant: 'header.payload.signature', certs: ['cert-1', 'cert-2'] }
const MARK = { sub: 'lic_1', seq: 1, status: 'active' } as const

describe('the device identity', () => {
  it('is made once and found again by the next worker', async () => {
    const name = freshName()
    const first = await openStore(name).device()
    const again = await openStore(name).device()
    expect(again.id).toBe(first.id)
    expect(again.jkt).toBe(first.jkt)
    expect(first.keyPair.privateKey.extractable).toBe(false)
  })
})

describe('a sealed grant record', () => {
  it('reads back as written', async () => {
    const name = freshName()
    await openStore(name).writeLicense('notes', LICENSE, MARK)
    expect(await openStore(name).readLicense('notes')).toEqual({
      kind: 'ok',
      value: LICENSE,
      format: 2,
    })
  })

  it('reads as unreadable, never as a crash, once a byte of it changes', async () => {
    const name = freshName()
    await openStore(name).writeLicense('notes', LICENSE, MARK)
    const db = await connect(name)
    const record = await db.get('records', 'grant:notes')
    if (!record) throw new Error('no record written')
    const data = new Uint8Array(record.data.slice(0))
    data[0] = (data[0] ?? 0) ^ 1
    await db.put('records', { ...record, data: data.buffer })
    expect(await openStore(name).readLicense('notes')).toEqual({ kind: 'unreadable' })
  })

  it('does not open under another product name (the name is sealed in)', async () => {
    const name = freshName()
    await openStore(name).writeLicense('notes', LICENSE, MARK)
    const db = await connect(name)
    const record = await db.get('records', 'grant:notes')
    if (!record) throw new Error('no record written')
    await db.put('records', { ...record, name: 'grant:other' })
    expect(await openStore(name).readLicense('other')).toEqual({ kind: 'unreadable' })
  })

  it('reads as unreadable when the sealing key is gone', async () => {
    const name = freshName()
    await openStore(name).writeLicense('notes', LICENSE, MARK)
    const db = await connect(name)
    await db.delete('keys', 'sealing')
    expect(await openStore(name).readLicense('notes')).toEqual({ kind: 'unreadable' })
  })
})

describe('a new app version with a new schema version', () => {
  it('keeps the grants, the device key, the settings and the queue', async () => {
    const name = freshName()
    const before = openStore(name)
    const device = await before.device()
    await before.writeLicense('notes', LICENSE, MARK)
    await before.setMeta('lastSeen', 1_800_000_000_000)
    await before.enqueue({ kind: 'deactivate', product: 'notes', createdAt: 1 })
    closeOpenedStores()

    let upgraded = false
    const next: SchemaVersion = {
      version: (SCHEMA.at(-1)?.version ?? 0) + 1,
      stores: { later: { keyPath: 'id', autoIncrement: true, indexes: ['day'] } },
      upgrade: async () => {
        upgraded = true
      },
    }
    const after = openStore(name, [...SCHEMA, next])
    expect(await after.readLicense('notes')).toEqual({ kind: 'ok', value: LICENSE, format: 2 })
    expect((await after.device()).id).toBe(device.id)
    expect(await after.getMeta('lastSeen', 0)).toBe(1_800_000_000_000)
    expect((await after.queued()).map((item) => item.kind)).toEqual(['deactivate'])
    expect(upgraded).toBe(true)
  })
})

describe('the upgrade from schema version 1 to 2 (telemetry gets a store of its own)', () => {
  it('keeps the user’s telemetry consent, moved out of meta', async () => {
    const name = freshName()
    const v1 = openStore(name, SCHEMA.slice(0, 1))
    await v1.writeLicense('notes', LICENSE, MARK)
    await v1.setMeta('telemetryOptIn', true)
    closeOpenedStores()

    const v2 = openStore(name)
    expect(await v2.telemetry.consent()).toBe(true)
    expect(await v2.getMeta('telemetryOptIn', 'gone')).toBe('gone')
    expect(await v2.readLicense('notes')).toEqual({ kind: 'ok', value: LICENSE, format: 2 })
  })

  it('leaves telemetry off for a user who never chose', async () => {
    const name = freshName()
    await openStore(name, SCHEMA.slice(0, 1)).setMeta('lastSeen', 1)
    closeOpenedStores()
    expect(await openStore(name).telemetry.consent()).toBe(false)
  })
})

describe('the telemetry counters', () => {
  it('count nothing without consent', async () => {
    const store = openStore(freshName()).telemetry
    await store.count({ counter: 'startsOnline', reconnectBucket: 0 })
    const { counters, reconnectCounts } = await store.counts()
    expect(counters.startsOnline).toBe(0)
    expect(reconnectCounts.every((count) => count === 0)).toBe(true)
  })

  it('count with consent, and keep what was counted after a report was taken off', async () => {
    const store = openStore(freshName()).telemetry
    await store.setConsent(true)
    await store.count({ counter: 'rechecksOk' })
    await store.count({ counter: 'rechecksOk', reconnectBucket: 8 })
    const sent = await store.counts()
    await store.count({ counter: 'rechecksOk' }) // while the report is on its way
    await store.subtract(sent)
    const left = await store.counts()
    expect(left.counters.rechecksOk).toBe(1)
    expect(left.reconnectCounts[8]).toBe(0)
  })

  it('stop at the bound a report may carry', async () => {
    const name = freshName()
    const store = openStore(name).telemetry
    await store.setConsent(true)
    const db = await connect(name)
    const counts = await store.counts()
    counts.counters.startsOffline = 100_000
    await db.put('telemetry', { name: 'counters', value: counts })
    await store.count({ counter: 'startsOffline' })
    expect((await store.counts()).counters.startsOffline).toBe(100_000)
  })

  it('read a damaged record as zeros, never as something a server would refuse', async () => {
    const name = freshName()
    const store = openStore(name).telemetry
    const db = await connect(name)
    await db.put('telemetry', {
      name: 'counters',
      value: { counters: { startsOnline: -3, rechecksOk: 'many' }, reconnectCounts: [1.5, 2] },
    })
    const { counters, reconnectCounts } = await store.counts()
    expect(counters.startsOnline).toBe(0)
    expect(counters.rechecksOk).toBe(0)
    expect(reconnectCounts).toEqual([0, 2, 0, 0, 0, 0, 0, 0, 0])
  })

  it('are forgotten when the user says no, but not the day of the last report', async () => {
    const store = openStore(freshName()).telemetry
    await store.setConsent(true)
    await store.count({ counter: 'startsOnline' })
    await store.updateProgress({ sentDay: '2026-06-01', reconnectedAt: 5 })
    await store.setConsent(false)
    expect((await store.counts()).counters.startsOnline).toBe(0)
    expect(await store.progress()).toMatchObject({ sentDay: '2026-06-01', reconnectedAt: null })
  })
})
