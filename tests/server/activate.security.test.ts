import Sqlite from 'better-sqlite3'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashLicenseKey, normalizeLicenseKey } from '../../server/services/licenseKeys.ts'
import { claimsOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { GrantBody, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

/** The database as it is on disk: the main file and the write-ahead log beside it. */
function databaseBytes(): string {
  return [server.databaseFile, `${server.databaseFile}-wal`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString('latin1'))
    .join('')
}

describe('license keys at rest', () => {
  it('stores only a keyed hash: neither the key nor its dash-less form is in the database file', async () => {
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
  })

  it('keeps no column of the license row equal to the key', async () => {
    const license = await server.createLicense()
    const db = new Sqlite(server.databaseFile, { readonly: true })
    try {
      const row = db.prepare('SELECT * FROM licenses WHERE id = ?').get(license.id)
      expect(row).toBeDefined()
      const values = Object.values(row as Record<string, unknown>).map(String)
      expect(values).toContain(
        hashLicenseKey(license.key.replaceAll('-', ''), server.data.keyHashSecret),
      )
      for (const value of values)
        expect(value.replaceAll('-', '').toUpperCase()).not.toContain(
          license.key.replaceAll('-', ''),
        )
    } finally {
      db.close()
    }
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
