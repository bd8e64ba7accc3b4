import 'fake-indexeddb/auto'
import type { IDBPDatabase } from 'idb'
import { afterEach, describe, expect, it } from 'vitest'
import { judgeGrant } from '../../../sw/store/highWater.ts'
import type { GrantMark } from '../../../sw/store/highWater.ts'
import type { LeewaySchema } from '../../../sw/store/LeewayDb.ts'
import { seal } from '../../../sw/store/sealing.ts'
import { closeOpenedStores, connect, freshName, openStore } from './testStores.ts'

// The store on fake-indexeddb, changed record by record as someone holding the browser's storage
// could: an older sealed grant record written back, the sealed high-water record deleted or altered.

afterEach(closeOpenedStores)

const ACTIVE_1 = { grant: 'active.seq.1', certs: ['cert-1'] }
const ACTIVE_2 = { grant: 'active.seq.2', certs: ['cert-1'] }
const REVOKED_3 = { grant: 'revoked.seq.3', certs: ['cert-1'] }
const mark = (seq: number, status: GrantMark['status'] = 'active', sub = 'lic_1'): GrantMark => ({
  sub,
  seq,
  status,
})

/** What a new worker finds for `notes`: the record's format and the high-water record's verdict. */
async function judged(name: string, grant: GrantMark) {
  const store = openStore(name)
  const read = await store.readLicense('notes')
  if (read.kind !== 'ok') throw new Error(`grant record ${read.kind}`)
  return judgeGrant(await store.highWater(), 'notes', grant, read.format)
}

/** Seals `license` as the grant record the way versions before the high-water record did. */
async function writeWithoutMarker(db: IDBPDatabase<LeewaySchema>, license: typeof ACTIVE_1) {
  const sealing = await db.get('keys', 'sealing')
  if (!sealing || !(sealing.key instanceof CryptoKey)) throw new Error('no sealing key')
  const sealed = await seal(sealing.key, 'grant:notes', license)
  await db.put('records', { name: 'grant:notes', ...sealed })
}

async function copyGrantRecord(name: string) {
  const record = await (await connect(name)).get('records', 'grant:notes')
  if (!record) throw new Error('no grant record')
  return record
}

describe('a sealed grant record written back over a newer one', () => {
  it('Should not be taken for the newest - an older seq is rolled back', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', ACTIVE_1, mark(1))
    const older = await copyGrantRecord(name)
    await store.writeLicense('notes', ACTIVE_2, mark(2))

    await (await connect(name)).put('records', older)
    expect(await openStore(name).readLicense('notes')).toEqual({
      kind: 'ok',
      value: ACTIVE_1,
      format: 2,
    })
    expect(await judged(name, mark(1))).toEqual({ kind: 'rolled_back' })
  })

  it('Should not undo a revocation - the revocation recorded beside it is what holds', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', ACTIVE_2, mark(2))
    const beforeRevocation = await copyGrantRecord(name)
    await store.writeLicense('notes', REVOKED_3, mark(3, 'revoked'))

    await (await connect(name)).put('records', beforeRevocation)
    expect(await judged(name, mark(2))).toEqual({ kind: 'restricted', restriction: REVOKED_3 })
  })

  it('Should not undo a suspension either', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', ACTIVE_1, mark(1))
    const beforeSuspension = await copyGrantRecord(name)
    await store.writeLicense('notes', ACTIVE_2, mark(2, 'suspended'))

    await (await connect(name)).put('records', beforeSuspension)
    expect(await judged(name, mark(1))).toEqual({ kind: 'restricted', restriction: ACTIVE_2 })
  })

  it('Should not take another license’s older grant for the newest - it is rolled back', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', ACTIVE_2, mark(7, 'active', 'lic_old'))
    const otherLicense = await copyGrantRecord(name)
    // Activated again with another license: its seq starts again from 1.
    await store.writeLicense('notes', ACTIVE_1, mark(1, 'active', 'lic_new'))
    expect(await judged(name, mark(1, 'active', 'lic_new'))).toEqual({ kind: 'sound' })

    await (await connect(name)).put('records', otherLicense)
    expect(await judged(name, mark(7, 'active', 'lic_old'))).toEqual({ kind: 'rolled_back' })
  })
})

describe('grants written in order', () => {
  it('are sound, and a reinstatement lifts the revocation recorded before it', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', REVOKED_3, mark(3, 'revoked'))
    expect(await judged(name, mark(3, 'revoked'))).toEqual({ kind: 'sound' })
    await store.writeLicense('notes', ACTIVE_2, mark(4))
    expect(await judged(name, mark(4))).toEqual({ kind: 'sound' })
  })

  it('keep the time last seen sealed, whatever is written to meta', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', ACTIVE_1, mark(1))
    await store.updateHighWater({ lastSeen: 1_800_000_000_000, checkedAt: 1_700_000_000_000 })
    await (await connect(name)).put('meta', { name: 'lastSeen', value: 5 })
    expect(await openStore(name).highWater()).toMatchObject({
      origin: 'stored',
      lastSeen: 1_800_000_000_000,
      checkedAt: 1_700_000_000_000,
    })
  })
})

describe('the high-water record deleted or altered beside a grant of this format', () => {
  it('Should not be taken for a first run - deleted, the grant is suspect and lastSeen unknown', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', ACTIVE_1, mark(1))
    await store.updateHighWater({ lastSeen: 1_800_000_000_000 })

    await (await connect(name)).delete('records', 'check-hw')
    expect(await judged(name, mark(1))).toEqual({ kind: 'last_seen_missing' })
    expect((await openStore(name).highWater()).lastSeen).toBeNull()
  })

  it('Should not be trusted - altered by one byte, it vouches for nothing', async () => {
    const name = freshName('leeway-high-water')
    const store = openStore(name)
    await store.writeLicense('notes', ACTIVE_1, mark(1))
    const db = await connect(name)
    const record = await db.get('records', 'check-hw')
    if (!record) throw new Error('no high-water record')
    const data = new Uint8Array(record.data.slice(0))
    data[0] = (data[0] ?? 0) ^ 1
    await db.put('records', { ...record, data: data.buffer })
    expect(await judged(name, mark(1))).toEqual({ kind: 'last_seen_missing' })
  })

  it('Should not be taken for a high-water record - a grant record moved to its name', async () => {
    const name = freshName('leeway-high-water')
    await openStore(name).writeLicense('notes', ACTIVE_1, mark(1))
    const db = await connect(name)
    await db.put('records', { ...(await copyGrantRecord(name)), name: 'check-hw' })
    expect((await openStore(name).highWater()).origin).toBe('unreadable')
  })
})

describe('a grant record of the previous format (sealed before the high-water record existed)', () => {
  it('with no high-water record is the first run after the update: migrated, not suspect', async () => {
    const name = freshName('leeway-high-water')
    await openStore(name).writeLicense('notes', ACTIVE_1, mark(1))
    // As the previous version left them: no format marker inside the seal, lastSeen unsealed.
    const db = await connect(name)
    await writeWithoutMarker(db, ACTIVE_1)
    await db.delete('records', 'check-hw')
    await db.put('meta', { name: 'lastSeen', value: 1_800_000_000_000 })

    const updated = openStore(name)
    expect(await updated.readLicense('notes')).toEqual({ kind: 'ok', value: ACTIVE_1, format: 1 })
    const highWater = await updated.highWater()
    expect(highWater).toMatchObject({ origin: 'absent', lastSeen: 1_800_000_000_000 })
    expect(judgeGrant(highWater, 'notes', mark(1), 1)).toEqual({ kind: 'migrate' })

    // The worker migrates it with one write: the marker, the mark, lastSeen sealed, meta's copy gone.
    await updated.writeLicense('notes', ACTIVE_1, mark(1))
    expect(await judged(name, mark(1))).toEqual({ kind: 'sound' })
    expect((await openStore(name).highWater()).lastSeen).toBe(1_800_000_000_000)
    expect(await db.get('meta', 'lastSeen')).toBeUndefined()
  })

  it('Should not come back once migrated - written back beside the high-water record, it is rolled back', async () => {
    const name = freshName('leeway-high-water')
    await openStore(name).writeLicense('notes', ACTIVE_1, mark(1))
    await writeWithoutMarker(await connect(name), ACTIVE_1)
    expect(await judged(name, mark(1))).toEqual({ kind: 'rolled_back' })
  })
})
