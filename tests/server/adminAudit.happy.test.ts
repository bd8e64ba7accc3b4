import { sql } from 'kysely'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEntryView, LicenseView, Page } from '../../src/core/index.ts'
import { DAY, expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

// Issue #14, item 10: the dashboard listed licenses oldest first and searched only the pages it
// had loaded; there was no export and no record of who did what. On each backend.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

/** Every page of `/licenses?q=…` through the cursor, `limit` at a time. */
async function walk(own: TestServer, q: string, limit: number): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  for (let pages = 0; pages < 50; pages++) {
    const query = new URLSearchParams({ limit: String(limit), q })
    if (cursor) query.set('cursor', cursor)
    const response = await own.admin('GET', `/licenses?${query}`)
    expect(response.status).toBe(200)
    const page = await readJson<Page<LicenseView>>(response)
    ids.push(...page.items.map((item) => item.id))
    cursor = page.nextCursor
    if (!cursor) break
  }
  return ids
}

describe('the license list', () => {
  it('lists the newest license first, page after page', async () => {
    const own = await startTestServer()
    try {
      const created: string[] = []
      for (let i = 0; i < 5; i++) {
        created.push((await own.createLicense()).id)
        own.clock.advance(1_000)
      }
      expect(await walk(own, '', 2)).toEqual([...created].reverse())
    } finally {
      await own.close()
    }
  })

  it('searches on the server: every match through the pages, none that does not match', async () => {
    const own = await startTestServer()
    try {
      const acme: string[] = []
      for (let i = 0; i < 12; i++) {
        // `#` is in no license id, so a search for `#9` can only match the note.
        const note = i % 3 === 0 ? `ACME Corp, order #${i}` : `Globex, order #${i}`
        const license = await own.createLicense({ note })
        if (i % 3 === 0) acme.push(license.id)
        own.clock.advance(1_000)
      }
      // Matches are 4 of 12, spread over what would be 6 pages of 2 without the search.
      expect(await walk(own, 'acme', 1)).toEqual([...acme].reverse())
      expect(await walk(own, 'Acme  ORDER #9', 3)).toEqual([acme[3]])
      expect(await walk(own, 'acme globex', 5)).toEqual([])
      expect(await walk(own, 'pro', 50)).toHaveLength(12)
    } finally {
      await own.close()
    }
  })

  it('matches a standing by its name, as the dashboard shows it, at the server time', async () => {
    const own = await startTestServer()
    try {
      const ending = await own.createLicense({ termEnd: own.clock.now() + DAY, note: 'a' })
      const revoked = await own.createLicense({ note: 'b' })
      await own.admin('POST', `/licenses/${revoked.id}/revoke`, {})
      const lasting = await own.createLicense({ note: 'c' })
      expect(await walk(own, 'expired', 10)).toEqual([])
      own.clock.advance(DAY)
      expect(await walk(own, 'expired', 10)).toEqual([ending.id])
      expect(await walk(own, 'revoked', 10)).toEqual([revoked.id])
      expect(await walk(own, 'active', 10)).toEqual([lasting.id])
    } finally {
      await own.close()
    }
  })

  it('takes % and _ in a search as themselves, not as wildcards', async () => {
    const own = await startTestServer()
    try {
      const percent = await own.createLicense({ note: '100% discount' })
      await own.createLicense({ note: '100 discount' })
      const underscore = await own.createLicense({ note: 'ref a_b' })
      await own.createLicense({ note: 'ref axb' })
      expect(await walk(own, '100%', 10)).toEqual([percent.id])
      expect(await walk(own, 'a_b', 10)).toEqual([underscore.id])
    } finally {
      await own.close()
    }
  })
})

describe('the CSV export', () => {
  it('downloads every license with notes escaped, and formulas opened as text', async () => {
    const own = await startTestServer()
    try {
      const notes = [
        'Smith, Jones & "Partners"',
        'line one\nline two',
        '=HYPERLINK("https://evil.example","click")',
        '+1 555 0100',
        '-2+3',
        '@SUM(A1:A2)',
        'plain',
      ]
      for (const note of notes) await own.createLicense({ note })
      const response = await own.admin('GET', '/licenses.csv')
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(response.headers.get('content-disposition')).toMatch(
        /^attachment; filename="licenses-\d{4}-\d{2}-\d{2}\.csv"$/,
      )
      expect(response.headers.get('cache-control')).toBe('no-store')
      const rows = await csvOf(response)
      expect(rows[0]?.slice(0, 6)).toEqual(['id', 'product', 'plan', 'seats', 'status', 'standing'])
      expect(rows).toHaveLength(notes.length + 1)
      const noteColumn = rows[0]?.indexOf('note') ?? -1
      const exported = rows.slice(1).map((row) => row[noteColumn])
      expect(exported).toEqual(
        [
          'Smith, Jones & "Partners"',
          'line one\nline two',
          `'=HYPERLINK("https://evil.example","click")`,
          "'+1 555 0100",
          "'-2+3",
          "'@SUM(A1:A2)",
          'plain',
        ].reverse(),
      )
      // No cell of the file starts a formula, whatever the customer typed.
      for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/)
    } finally {
      await own.close()
    }
  })

  it('exports only the matches of a search, beyond one page of the stream', async () => {
    const own = await startTestServer()
    try {
      for (let i = 0; i < 520; i++) await own.createLicense({ note: i % 2 ? 'odd' : 'even' })
      const rows = await csvOf(await own.admin('GET', '/licenses.csv?q=odd'))
      expect(rows).toHaveLength(261)
      const all = await csvOf(await own.admin('GET', '/licenses.csv'))
      expect(all).toHaveLength(521)
      expect(new Set(all.map((row) => row[0])).size).toBe(521)
    } finally {
      await own.close()
    }
  })

  it('comes compressed to a client that accepts gzip', async () => {
    const response = await server.request('GET', '/admin/v1/licenses.csv', {
      headers: {
        authorization: `Bearer ${server.data.adminToken}`,
        'accept-encoding': 'gzip',
      },
    })
    expect(response.headers.get('content-encoding')).toBe('gzip')
    const text = gunzipSync(Buffer.from(await response.arrayBuffer())).toString()
    expect(text.startsWith('\ufeffid,')).toBe(true)
  })

  it('Should not export without the admin token - 401, no data', async () => {
    const response = await server.request('GET', '/admin/v1/licenses.csv')
    await expectError(response, 401, 'unauthorized')
  })
})

describe('the audit log', () => {
  const entries = async (own: TestServer, limit = 100) =>
    (await readJson<Page<AuditEntryView>>(await own.admin('GET', `/audit?limit=${limit}`))).items

  it('records who did what to which license, device, manifest and key, newest first', async () => {
    const own = await startTestServer()
    try {
      const setup = await entries(own)
      const asAlice = { 'x-leeway-author': 'alice@vendor.example' }
      const { license } = await own.activated({ note: 'audit' })
      const device = (await own.reader.selectFrom('devices').select('device_id').execute())[0]
      const call = (method: string, path: string, body?: unknown) =>
        own.request(method, `/admin/v1${path}`, {
          body,
          headers: { authorization: `Bearer ${own.data.adminToken}`, ...asAlice },
        })
      expect(
        (await call('POST', `/licenses/${license.id}/suspend`, { reason: 'unpaid' })).status,
      ).toBe(200)
      expect((await call('POST', `/licenses/${license.id}/reinstate`, {})).status).toBe(200)
      const termEnd = own.clock.now() + 400 * DAY
      expect((await call('POST', `/licenses/${license.id}/renew`, { termEnd })).status).toBe(200)
      expect(
        (await call('DELETE', `/licenses/${license.id}/devices/${device?.device_id}`)).status,
      ).toBe(200)
      const manifest = await readJson<{ manifest: unknown; version: number }>(
        await call('GET', '/manifest'),
      )
      expect((await call('PUT', '/manifest', manifest.manifest)).status).toBe(201)
      expect((await call('POST', '/manifest/rollback', { version: manifest.version })).status).toBe(
        201,
      )
      expect((await call('POST', '/keys/rotate')).status).toBe(201)
      expect(
        (await call('POST', `/licenses/${license.id}/revoke`, { reason: 'fraud' })).status,
      ).toBe(200)

      const logged = (await entries(own)).slice(0, -setup.length || undefined)
      expect(logged.map((entry) => [entry.action, entry.actor])).toEqual([
        ['license.revoke', 'alice@vendor.example'],
        ['keys.rotate', 'alice@vendor.example'],
        ['manifest.rollback', 'alice@vendor.example'],
        ['manifest.publish', 'alice@vendor.example'],
        ['device.remove', 'alice@vendor.example'],
        ['license.renew', 'alice@vendor.example'],
        ['license.reinstate', 'alice@vendor.example'],
        ['license.suspend', 'alice@vendor.example'],
        ['license.create', 'admin-api'],
      ])
      for (const entry of logged) {
        expect(entry.via).toBe('api')
        expect(entry.at).toBe(own.clock.now())
      }
      const byAction = Object.fromEntries(logged.map((entry) => [entry.action, entry]))
      expect(byAction['license.suspend']).toMatchObject({
        target: license.id,
        details: { from: 'active', to: 'suspended', reason: 'unpaid' },
      })
      expect(byAction['license.renew']?.details).toMatchObject({ to: termEnd })
      expect(byAction['device.remove']?.target).toBe(`${license.id}/${device?.device_id}`)
      expect(byAction['manifest.rollback']?.details).toMatchObject({ to: manifest.version })
      expect(Number(byAction['manifest.publish']?.target)).toBe(manifest.version + 1)
      expect(byAction['license.create']?.details).toMatchObject({
        plan: 'pro',
        seats: 3,
        note: 'audit',
      })
      // Never the key a customer activates with.
      expect(JSON.stringify(logged)).not.toContain(license.key)
    } finally {
      await own.close()
    }
  })

  it('records a floating license created with its settings, and a lease an admin ends', async () => {
    const own = await startTestServer()
    try {
      const setup = await entries(own)
      const floating = { maxConcurrent: 2, leaseLength: 'PT15M', maxBorrow: 'P7D' }
      const license = await own.createLicense({ seats: 5, floating })
      const device = await own.makeDevice()
      await own.activateOk(license.key, device)
      const started = own.clock.now()
      own.clock.advance(60_000)
      const ended = await own.request(
        'DELETE',
        `/admin/v1/licenses/${license.id}/leases/${device.id}`,
        {
          headers: {
            authorization: `Bearer ${own.data.adminToken}`,
            'x-leeway-author': 'alice@vendor.example',
          },
        },
      )
      expect(ended.status).toBe(200)
      const logged = (await entries(own)).slice(0, -setup.length || undefined)
      expect(logged.map((entry) => [entry.action, entry.actor, entry.target])).toEqual([
        ['lease.end', 'alice@vendor.example', `${license.id}/${device.id}`],
        ['license.create', 'admin-api', license.id],
      ])
      expect(logged[0]).toMatchObject({
        via: 'api',
        at: own.clock.now(),
        details: { kind: 'lease', startedAt: started, endsAt: started + 15 * 60_000 },
      })
      expect(logged[1]?.details).toMatchObject({ seats: 5, floating })

      // A lease end refused (no live lease any more) writes no entry.
      const count = (await entries(own)).length
      await expectError(
        await own.admin('DELETE', `/licenses/${license.id}/leases/${device.id}`),
        404,
        'not_found',
      )
      expect(await entries(own)).toHaveLength(count)
    } finally {
      await own.close()
    }
  })

  it('Should not end a lease without its audit entry - the end and its entry commit together', async () => {
    const own = await startTestServer()
    try {
      const license = await own.createLicense({
        floating: { maxConcurrent: 1, leaseLength: 'PT15M' },
      })
      const device = await own.makeDevice()
      await own.activateOk(license.key, device)
      const before = await own.data.store.findLease(license.id, device.id)
      await sql`drop table admin_audit`.execute(own.data.store.db)
      const response = await own.admin('DELETE', `/licenses/${license.id}/leases/${device.id}`)
      expect(response.status).toBe(500)
      expect(await own.data.store.findLease(license.id, device.id)).toEqual(before)
    } finally {
      await own.close()
    }
  })

  it('pages through the log with its cursor, each entry once', async () => {
    const own = await startTestServer()
    try {
      for (let i = 0; i < 5; i++) await own.createLicense()
      const all = await entries(own)
      const paged: string[] = []
      let cursor: string | null = null
      do {
        const query: string = cursor ? `&cursor=${cursor}` : ''
        const page = await readJson<Page<AuditEntryView>>(
          await own.admin('GET', `/audit?limit=2${query}`),
        )
        paged.push(...page.items.map((entry) => entry.id))
        cursor = page.nextCursor
      } while (cursor)
      expect(paged).toEqual(all.map((entry) => entry.id))
    } finally {
      await own.close()
    }
  })

  it('Should not revoke without its audit entry - the action and its entry commit together', async () => {
    const own = await startTestServer()
    try {
      const license = await own.createLicense()
      // The entry cannot be written: the revocation must not be either.
      await sql`drop table admin_audit`.execute(own.data.store.db)
      const response = await own.admin('POST', `/licenses/${license.id}/revoke`, {})
      expect(response.status).toBe(500)
      const row = await own.reader
        .selectFrom('licenses')
        .selectAll()
        .where('id', '=', license.id)
        .executeTakeFirst()
      expect(row?.status).toBe('active')
    } finally {
      await own.close()
    }
  })
})

/** The records of a CSV answer, which must start with a UTF-8 byte-order mark (for Excel). */
async function csvOf(response: Response): Promise<string[][]> {
  const bytes = Buffer.from(await response.arrayBuffer())
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  return parseCsv(bytes.subarray(3).toString('utf8'))
}

/** RFC 4180 records: quoted fields with doubled quotes and line breaks inside, CRLF between. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += ch
  }
  return rows
}
