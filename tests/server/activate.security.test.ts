import { sql } from 'kysely'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashLicenseKey, normalizeLicenseKey } from '../../server/services/licenseKeys.ts'
import { BACKEND, claimsOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { GrantBody, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

/** The database as it is on disk: the main file and the write-ahead log beside it (SQLite). */
function databaseBytes(): string {
  const file = server.databaseFile
  if (file === undefined) throw new Error('no database file on this backend')
  return [file, `${file}-wal`]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString('latin1'))
    .join('')
}

/** Every row of every table as text, through a second connection: what a dump would hold. */
async function everyRow(): Promise<string> {
  // PostgreSQL lists the tables of every schema; this server's are in the schema it searches first.
  const current =
    BACKEND === 'postgres'
      ? (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(server.reader))
          .rows[0]?.schema
      : undefined
  const tables = (await server.reader.introspection.getTables()).filter(
    (table) => table.schema === current,
  )
  expect(tables.map((table) => table.name)).toContain('licenses')
  const rows = await Promise.all(
    tables.map((table) =>
      server.reader
        .selectFrom(table.name as 'licenses')
        .selectAll()
        .execute(),
    ),
  )
  return JSON.stringify(rows)
}

describe('license keys at rest', () => {
  it('keeps neither the key nor its dash-less form in any row of any table', async () => {
    const marker = 'note-marker-2b8e41'
    const license = await server.createLicense({ note: marker })
    await server.activateOk(license.key, await server.makeDevice())
    const compact = license.key.replaceAll('-', '')
    const text = await everyRow()
    expect(text).toContain(marker)
    expect(text).toContain(hashLicenseKey(compact, server.data.keyHashSecret))
    for (const form of [license.key, compact, license.key.toLowerCase(), compact.toLowerCase()]) {
      expect(text).not.toContain(form)
    }
  })

  // The raw bytes of the file and its log, free pages included: only SQLite has them to read.
  it.skipIf(BACKEND !== 'sqlite')(
    'stores only a keyed hash: neither the key nor its dash-less form is in the database file',
    async () => {
      const marker = 'note-marker-7f3a9c'
      const license = await server.createLicense({ note: marker })
      await server.activateOk(license.key.toLowerCase(), await server.makeDevice())
      const compact = license.key.replaceAll('-', '')
      const normalized = normalizeLicenseKey(license.key)
      expect(normalized).toBe(compact)

      const bytes = databaseBytes()
      // The bytes read are the ones this license was written to: its note and its hash are there.
      expect(bytes).toContain(marker)
      expect(bytes).toContain(hashLicenseKey(compact, server.data.keyHashSecret))
      for (const form of [license.key, compact, license.key.toLowerCase(), compact.toLowerCase()]) {
        expect(bytes).not.toContain(form)
      }
    },
  )

  it('keeps no column of the license row equal to the key', async () => {
    const license = await server.createLicense()
    const row = await server.reader
      .selectFrom('licenses')
      .selectAll()
      .where('id', '=', license.id)
      .executeTakeFirst()
    expect(row).toBeDefined()
    const values = Object.values(row ?? {}).map(String)
    expect(values).toContain(
      hashLicenseKey(license.key.replaceAll('-', ''), server.data.keyHashSecret),
    )
    for (const value of values)
      expect(value.replaceAll('-', '').toUpperCase()).not.toContain(license.key.replaceAll('-', ''))
  })

  it('shows the key only when the license is created, never when it is read or listed', async () => {
    const license = await server.createLicense()
    expect(license.key).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){5}$/)
    const shown = await (await server.admin('GET', `/licenses/${license.id}`)).text()
    const listed = await (await server.admin('GET', '/licenses?limit=500')).text()
    expect(shown).toContain(license.id)
    expect(listed).toContain(license.id)
    for (const text of [shown, listed]) {
      expect(text).not.toContain(license.key)
      expect(text).not.toContain(license.key.replaceAll('-', ''))
    }
  })

  it('puts neither the license key nor its hash into a grant', async () => {
    const license = await server.createLicense()
    const { grant } = await server.activateOk(license.key, await server.makeDevice())
    const payload = JSON.stringify(claimsOf(grant))
    expect(payload).toContain(license.id)
    expect(payload).not.toContain(license.key.replaceAll('-', ''))
    expect(payload).not.toContain(
      hashLicenseKey(license.key.replaceAll('-', ''), server.data.keyHashSecret),
    )
  })
})

describe('concurrent activations of one license', () => {
  it('give out exactly the 3 seats when 10 devices activate at once', async () => {
    const license = await server.createLicense({ seats: 3 })
    const devices = await Promise.all(Array.from({ length: 10 }, () => server.makeDevice()))
    const responses = await Promise.all(
      devices.map((device) => server.activate(license.key, device)),
    )
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([200, 200, 200, 409, 409, 409, 409, 409, 409, 409])
    const active = (await server.data.store.listDevices(license.id)).filter(
      (d) => d.state === 'active',
    )
    expect(active).toHaveLength(3)
    const granted = await Promise.all(
      responses
        .filter((r) => r.status === 200)
        .map(async (r) => claimsOf((await readJson<GrantBody>(r)).grant).dev),
    )
    expect(granted.sort()).toEqual(active.map((d) => d.device_id).sort())
  })
})
