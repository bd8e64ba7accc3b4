import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { SCHEMA, openLeewayDb } from '../../../sw/store/LeewayDb.ts'
import type { LeewayDatabase, SchemaVersion } from '../../../sw/store/LeewayDb.ts'
import { LicenseStore } from '../../../sw/store/LicenseStore.ts'

// The worker's store on a real IndexedDB implementation (fake-indexeddb) and Node's WebCrypto.

const opened: LeewayDatabase[] = []
let counter = 0
const freshName = () => `leeway-test-${++counter}`
function open(name: string, schema: readonly SchemaVersion[] = SCHEMA): LicenseStore {
  const db = openLeewayDb(name, schema)
  opened.push(db)
  return new LicenseStore(db)
}

afterEach(() => {
  for (const db of opened.splice(0)) db.close()
})

const LICENSE = { grant: 'header.payload.signature', certs: ['cert-1', 'cert-2'] }

describe('the device identity', () => {
  it('is made once and found again by the next worker', async () => {
    const name = freshName()
    const first = await open(name).device()
    const again = await open(name).device()
    expect(again.id).toBe(first.id)
    expect(again.jkt).toBe(first.jkt)
    expect(first.keyPair.privateKey.extractable).toBe(false)
  })
})

describe('a sealed grant record', () => {
  it('reads back as written', async () => {
    const name = freshName()
    await open(name).writeLicense('notes', LICENSE)
    expect(await open(name).readLicense('notes')).toEqual({ kind: 'ok', value: LICENSE })
  })

  it('reads as unreadable, never as a crash, once a byte of it changes', async () => {
    const name = freshName()
    await open(name).writeLicense('notes', LICENSE)
    const db = openLeewayDb(name)
    opened.push(db)
    const record = await db.records.get('grant:notes')
    if (!record) throw new Error('no record written')
    const data = new Uint8Array(record.data.slice(0))
    data[0] = (data[0] ?? 0) ^ 1
    await db.records.put({ ...record, data: data.buffer })
    expect(await open(name).readLicense('notes')).toEqual({ kind: 'unreadable' })
  })

  it('does not open under another product name (the name is sealed in)', async () => {
    const name = freshName()
    await open(name).writeLicense('notes', LICENSE)
    const db = openLeewayDb(name)
    opened.push(db)
    const record = await db.records.get('grant:notes')
    if (!record) throw new Error('no record written')
    await db.records.put({ ...record, name: 'grant:other' })
    expect(await open(name).readLicense('other')).toEqual({ kind: 'unreadable' })
  })

  it('reads as unreadable when the sealing key is gone', async () => {
    const name = freshName()
    await open(name).writeLicense('notes', LICENSE)
    const db = openLeewayDb(name)
    opened.push(db)
    await db.keys.delete('sealing')
    expect(await open(name).readLicense('notes')).toEqual({ kind: 'unreadable' })
  })
})

describe('a new app version with a new schema version', () => {
  it('keeps the grants, the device key, the settings and the queue', async () => {
    const name = freshName()
    const before = open(name)
    const device = await before.device()
    await before.writeLicense('notes', LICENSE)
    await before.setMeta('lastSeen', 1_800_000_000_000)
    await before.enqueue({ kind: 'deactivate', product: 'notes', createdAt: 1 })
    for (const db of opened.splice(0)) db.close()

    let upgraded = false
    const next: SchemaVersion = {
      version: 2,
      stores: { ...SCHEMA[0]?.stores, telemetry: '++id, day' },
      upgrade: async () => {
        upgraded = true
      },
    }
    const after = open(name, [...SCHEMA, next])
    expect(await after.readLicense('notes')).toEqual({ kind: 'ok', value: LICENSE })
    expect((await after.device()).id).toBe(device.id)
    expect(await after.getMeta('lastSeen', 0)).toBe(1_800_000_000_000)
    expect((await after.queued()).map((item) => item.kind)).toEqual(['deactivate'])
    expect(upgraded).toBe(true)
  })
})
