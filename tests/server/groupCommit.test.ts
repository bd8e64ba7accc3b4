import Sqlite from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Transaction } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GroupCommit } from '../../server/storage/GroupCommit.ts'
import type { KyselyStore } from '../../server/storage/KyselyStore.ts'
import { openSqlite } from '../../server/storage/openSqlite.ts'
import { openStore } from '../../server/storage/openStore.ts'
import type { Database } from '../../server/storage/schema.ts'
import type { NewLicenseRow } from '../../server/storage/Store.ts'
import { BACKEND, DAY, START, createTestDatabase } from './helpers/testServer.ts'
import type { TestDatabase } from './helpers/testServer.ts'

const onPostgres = process.env.LEEWAY_TEST_BACKEND === 'postgres'

// Everything a test opened, closed after it.
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  vi.restoreAllMocks()
})

function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leeway-group-commit-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An SQLite store on a file of its own, and a second connection to that file (another reader). */
async function openSqliteWithReader(): Promise<{ store: KyselyStore; reader: Sqlite.Database }> {
  const file = join(temporaryDir(), 'leeway.db')
  const store = await openSqlite(file)
  cleanups.push(() => store.close())
  const reader = new Sqlite(file, { readonly: true })
  cleanups.push(() => {
    reader.close()
  })
  return { store, reader }
}

/** A store on this run's backend: an SQLite file, or a PostgreSQL schema of its own. */
async function openBackendStore(): Promise<KyselyStore> {
  if (BACKEND === 'sqlite') return (await openSqliteWithReader()).store
  const database: TestDatabase = await createTestDatabase()
  cleanups.push(() => database.drop())
  const url = database.options.databaseUrl
  if (url === undefined) throw new Error('the PostgreSQL test database has no URL')
  const store = await openStore({ backend: 'postgres', url, poolSize: 5 })
  cleanups.push(() => store.close())
  return store
}

const proofHash = () => randomBytes(32).toString('base64url')
const EXPIRES = START + DAY

/** Whether the reader connection sees this proof committed. */
function committed(reader: Sqlite.Database, hash: string): boolean {
  return reader.prepare('SELECT 1 FROM used_proofs WHERE proof_hash = ?').get(hash) !== undefined
}

function countProofs(reader: Sqlite.Database): number {
  const row = reader.prepare('SELECT count(*) AS n FROM used_proofs').get() as { n: number }
  return row.n
}

describe('GroupCommit on an SQLite file', () => {
  it.skipIf(onPostgres)(
    'commits works issued in the same tick in one transaction: inside the batch, another connection sees none of them',
    async () => {
      const { store, reader } = await openSqliteWithReader()
      const group = new GroupCommit<Database>(store.db)
      const transactions = vi.spyOn(store.db, 'transaction')
      const hashes = Array.from({ length: 20 }, proofHash)
      // Each work inserts its row, then asks a second connection how many rows are committed. Were
      // each work committed alone, the k-th would see the k − 1 before it; in one transaction every
      // work sees 0, and once all resolve every row is there at once.
      const seen = await Promise.all(
        hashes.map((hash) =>
          group.run(async (trx) => {
            await trx
              .insertInto('used_proofs')
              .values({ proof_hash: hash, expires_at: EXPIRES })
              .execute()
            return countProofs(reader)
          }),
        ),
      )
      expect(seen).toEqual(hashes.map(() => 0))
      expect(countProofs(reader)).toBe(20)
      expect(transactions).toHaveBeenCalledTimes(1)
    },
  )

  it.skipIf(onPostgres)(
    'fails only the work that throws: the others are stored, its partial writes rolled back',
    async () => {
      const { store, reader } = await openSqliteWithReader()
      const group = new GroupCommit<Database>(store.db)
      const [before, partial, after] = [proofHash(), proofHash(), proofHash()]
      const insert = (hash: string) => (trx: Transaction<Database>) =>
        trx.insertInto('used_proofs').values({ proof_hash: hash, expires_at: EXPIRES }).execute()
      const outcomes = await Promise.allSettled([
        group.run(insert(before)),
        // Two statements: the first writes, the second breaks the primary key and throws.
        group.run(async (trx) => {
          await insert(partial)(trx)
          await insert(partial)(trx)
        }),
        group.run(async (trx) => {
          await insert(after)(trx)
          return 'third'
        }),
      ])
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'third' })
      const failure = outcomes[1]
      expect(failure?.status === 'rejected' && String(failure.reason)).toMatch(/UNIQUE/)
      expect([
        committed(reader, before),
        committed(reader, partial),
        committed(reader, after),
      ]).toEqual([true, false, true])
    },
  )

  it.skipIf(onPostgres)(
    'rolls back the writes of a work that throws an error of its own after writing',
    async () => {
      const { store, reader } = await openSqliteWithReader()
      const group = new GroupCommit<Database>(store.db)
      const [written, kept] = [proofHash(), proofHash()]
      const refusal = new Error('refused after writing')
      const outcomes = await Promise.allSettled([
        group.run(async (trx) => {
          await trx
            .insertInto('used_proofs')
            .values({ proof_hash: written, expires_at: EXPIRES })
            .execute()
          await trx.updateTable('used_proofs').set({ expires_at: 1 }).execute()
          throw refusal
        }),
        group.run((trx) =>
          trx.insertInto('used_proofs').values({ proof_hash: kept, expires_at: EXPIRES }).execute(),
        ),
      ])
      expect(outcomes[0]).toEqual({ status: 'rejected', reason: refusal })
      expect(outcomes[1]?.status).toBe('fulfilled')
      expect(committed(reader, written)).toBe(false)
      // The update of every row by the failed work is undone too: `kept` has its own expiry.
      expect(reader.prepare('SELECT expires_at FROM used_proofs').all()).toEqual([
        { expires_at: EXPIRES },
      ])
    },
  )

  it.skipIf(onPostgres)(
    'answers each caller only once its write is committed: another connection reads it at once',
    async () => {
      const { store, reader } = await openSqliteWithReader()
      const group = new GroupCommit<Database>(store.db)
      const hashes = Array.from({ length: 10 }, proofHash)
      const visibleOnResolve = await Promise.all(
        hashes.map((hash) =>
          group
            .run((trx) =>
              trx
                .insertInto('used_proofs')
                .values({ proof_hash: hash, expires_at: EXPIRES })
                .execute(),
            )
            // Synchronously in the resolution: no later turn of the event loop helps it along.
            .then(() => committed(reader, hash)),
        ),
      )
      expect(visibleOnResolve).toEqual(hashes.map(() => true))
    },
  )

  it.skipIf(onPostgres)(
    'splits a burst of 300 works into commits of at most 256, and answers all of them',
    async () => {
      const { store, reader } = await openSqliteWithReader()
      const group = new GroupCommit<Database>(store.db)
      const transactions = vi.spyOn(store.db, 'transaction')
      const hashes = Array.from({ length: 300 }, proofHash)
      const results = await Promise.all(
        hashes.map((hash, index) =>
          group.run(async (trx) => {
            await trx
              .insertInto('used_proofs')
              .values({ proof_hash: hash, expires_at: EXPIRES })
              .execute()
            return index
          }),
        ),
      )
      // Each caller gets its own work's value, in the order given.
      expect(results).toEqual(hashes.map((_, index) => index))
      expect(transactions).toHaveBeenCalledTimes(2)
      expect(countProofs(reader)).toBe(300)
    },
  )

  it.skipIf(onPostgres)(
    'commits a work issued while a commit is running in the next one, without being lost',
    async () => {
      const { store, reader } = await openSqliteWithReader()
      const group = new GroupCommit<Database>(store.db)
      const [first, second] = [proofHash(), proofHash()]
      let later: Promise<boolean> | undefined
      await group.run(async (trx) => {
        await trx
          .insertInto('used_proofs')
          .values({ proof_hash: first, expires_at: EXPIRES })
          .execute()
        // Issued from inside the running commit: it cannot join it, and must not be stranded.
        later = group
          .run((trx2) =>
            trx2
              .insertInto('used_proofs')
              .values({ proof_hash: second, expires_at: EXPIRES })
              .execute(),
          )
          .then(() => committed(reader, second))
      })
      expect(committed(reader, first)).toBe(true)
      expect(await later).toBe(true)
    },
  )
})

/** A license with one active device (seq 1), on `store`. */
async function licenseWithDevice(
  store: KyselyStore,
): Promise<{ licenseId: string; deviceId: string }> {
  const licenseId = `lic_${randomBytes(6).toString('hex')}`
  const license: NewLicenseRow = {
    id: licenseId,
    key_hash: `hash-${licenseId}`,
    product: 'notes',
    plan: 'pro',
    seats: 3,
    status: 'active',
    status_reason: null,
    status_changed_at: null,
    term_end: START + 365 * DAY,
    recheck_every: null,
    grace: null,
    note: null,
    created_at: START,
    updated_at: START,
  }
  await store.insertLicense(license)
  const deviceId = 'dev-1'
  const outcome = await store.activateDevice(
    licenseId,
    { deviceId, name: 'Test device', platform: 'linux', publicJwk: '{}', jkt: 'jkt-1' },
    START,
    null,
  )
  if (!outcome.ok) throw new Error(`device not activated: ${outcome.reason}`)
  expect(outcome.device.seq).toBe(1)
  return { licenseId, deviceId }
}

describe(`checkInDevice and rememberProof (${BACKEND})`, () => {
  const LATER = START + 60_000

  it('checks a device in: seq + 1, last seen now, and its proof used up', async () => {
    const store = await openBackendStore()
    const { licenseId, deviceId } = await licenseWithDevice(store)
    const hash = proofHash()
    const outcome = await store.checkInDevice(licenseId, deviceId, LATER, {
      hash,
      expiresAt: EXPIRES,
    })
    expect(outcome).toMatchObject({ ok: true, device: { seq: 2, last_seen_at: LATER } })
    expect(await store.findDevice(licenseId, deviceId)).toMatchObject({
      seq: 2,
      last_seen_at: LATER,
    })
    expect(await store.rememberProof(hash, EXPIRES, LATER)).toBe(false)
  })

  it('answers proof_replayed for a proof already remembered, and leaves the device as it was', async () => {
    const store = await openBackendStore()
    const { licenseId, deviceId } = await licenseWithDevice(store)
    const hash = proofHash()
    expect(await store.rememberProof(hash, EXPIRES, START)).toBe(true)
    const outcome = await store.checkInDevice(licenseId, deviceId, LATER, {
      hash,
      expiresAt: EXPIRES,
    })
    expect(outcome).toEqual({ ok: false, reason: 'proof_replayed' })
    expect(await store.findDevice(licenseId, deviceId)).toMatchObject({
      seq: 1,
      last_seen_at: START,
    })
  })

  it('answers proof_replayed for the second check-in with the same proof', async () => {
    const store = await openBackendStore()
    const { licenseId, deviceId } = await licenseWithDevice(store)
    const proof = { hash: proofHash(), expiresAt: EXPIRES }
    expect((await store.checkInDevice(licenseId, deviceId, LATER, proof)).ok).toBe(true)
    expect(await store.checkInDevice(licenseId, deviceId, LATER + 1, proof)).toEqual({
      ok: false,
      reason: 'proof_replayed',
    })
    expect(await store.findDevice(licenseId, deviceId)).toMatchObject({
      seq: 2,
      last_seen_at: LATER,
    })
  })

  it('answers device_unknown for a device the license does not have, and still uses the proof up', async () => {
    const store = await openBackendStore()
    const { licenseId } = await licenseWithDevice(store)
    const hash = proofHash()
    expect(
      await store.checkInDevice(licenseId, 'dev-nobody', LATER, { hash, expiresAt: EXPIRES }),
    ).toEqual({ ok: false, reason: 'device_unknown' })
    expect(await store.findDevice(licenseId, 'dev-nobody')).toBeUndefined()
    expect(await store.rememberProof(hash, EXPIRES, LATER)).toBe(false)
  })

  it('lets exactly one of two concurrent check-ins with the same proof through', async () => {
    const store = await openBackendStore()
    const { licenseId, deviceId } = await licenseWithDevice(store)
    const proof = { hash: proofHash(), expiresAt: EXPIRES }
    const outcomes = await Promise.all([
      store.checkInDevice(licenseId, deviceId, LATER, proof),
      store.checkInDevice(licenseId, deviceId, LATER, proof),
    ])
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
    expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, reason: 'proof_replayed' }])
    expect(await store.findDevice(licenseId, deviceId)).toMatchObject({ seq: 2 })
  })

  it('counts every one of 25 concurrent check-ins with distinct proofs: seq goes from 1 to 26', async () => {
    const store = await openBackendStore()
    const { licenseId, deviceId } = await licenseWithDevice(store)
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, () =>
        store.checkInDevice(licenseId, deviceId, LATER, { hash: proofHash(), expiresAt: EXPIRES }),
      ),
    )
    // Each answer carries its own seq: 2 to 26, each once.
    const seqs = outcomes.map((o) => (o.ok ? o.device.seq : 0)).sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 2))
    expect(await store.findDevice(licenseId, deviceId)).toMatchObject({ seq: 26 })
  })

  it('remembers a proof once: true, then false', async () => {
    const store = await openBackendStore()
    const hash = proofHash()
    expect(await store.rememberProof(hash, EXPIRES, START)).toBe(true)
    expect(await store.rememberProof(hash, EXPIRES, START)).toBe(false)
    expect(await store.rememberProof(proofHash(), EXPIRES, START)).toBe(true)
  })

  it('lets exactly one of two concurrent rememberProof calls with the same hash answer true', async () => {
    const store = await openBackendStore()
    const hash = proofHash()
    const answers = await Promise.all([
      store.rememberProof(hash, EXPIRES, START),
      store.rememberProof(hash, EXPIRES, START),
    ])
    expect(answers.filter((fresh) => fresh)).toHaveLength(1)
  })

  it.skipIf(onPostgres)(
    'has committed a check-in when it answers: another connection reads the new seq at once',
    async () => {
      const { store, reader } = await openSqliteWithReader()
      const { licenseId, deviceId } = await licenseWithDevice(store)
      const seqNow = () =>
        (
          reader
            .prepare('SELECT seq FROM devices WHERE license_id = ? AND device_id = ?')
            .get(licenseId, deviceId) as { seq: number }
        ).seq
      const seen = await Promise.all(
        Array.from({ length: 5 }, () =>
          store
            .checkInDevice(licenseId, deviceId, LATER, { hash: proofHash(), expiresAt: EXPIRES })
            .then((outcome) => ({ answered: outcome.ok ? outcome.device.seq : 0, read: seqNow() })),
        ),
      )
      // Every answer is already on disk when it arrives (the batch committed together: 6).
      for (const { answered, read } of seen) expect(read).toBeGreaterThanOrEqual(answered)
      expect(seen.map((s) => s.read)).toEqual([6, 6, 6, 6, 6])
    },
  )
})
