import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../server/app.ts'
import { Metrics } from '../../server/observability/Metrics.ts'
import type { Store } from '../../server/storage/Store.ts'
import { RECONNECT_BUCKETS_MS } from '../../src/core/index.ts'
import { RECONNECT_CAP, REPORT_CAPS } from '../../server/services/TelemetryService.ts'
import { everyTable, telemetryReport } from './helpers/telemetry.ts'
import type { TelemetryAnswer } from './helpers/telemetry.ts'
import {
  BACKEND,
  DAY,
  DEACTIVATE,
  expectError,
  grantOf,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer, ValidateBody } from './helpers/testServer.ts'

type Answer = ValidateBody & { telemetry?: { accepted: boolean; day?: string } }

const ADDRESS = '198.51.100.23'

let server: TestServer
let metrics: Metrics
let license: CreatedLicense
let device: Device
let grant: string

beforeEach(async () => {
  metrics = new Metrics()
  server = await startTestServer({ overrides: { trustedProxies: 1, metrics } })
  license = await server.createLicense()
  device = await server.makeDevice('telemetry-device-7')
  grant = (await server.activateOk(license.key, device)).grant
})

afterEach(async () => {
  await server.close()
})

/** A re-check of the device from ADDRESS, with `telemetry` if given; its grant becomes the fresh one. */
async function validate(telemetry?: unknown): Promise<Answer> {
  const response = await server.post(
    '/api/v1/validate',
    {
      checks: [await server.check(grant, device)],
      ...(telemetry === undefined ? {} : { telemetry }),
    },
    { 'x-forwarded-for': ADDRESS },
  )
  expect(response.status).toBe(200)
  const answer = await readJson<Answer>(response)
  grant = grantOf(answer.results[0])
  return answer
}

async function counted(outcome: string): Promise<number> {
  const metric = await metrics.telemetryReports.get()
  return metric.values.find((value) => value.labels.outcome === outcome)?.value ?? 0
}

/** The rows that differ between two readings of every table: per table, the changed columns. */
function changes(
  before: Record<string, Record<string, unknown>[]>,
  after: Record<string, Record<string, unknown>[]>,
): Record<string, string[]> {
  const changed: Record<string, string[]> = {}
  for (const [table, rows] of Object.entries(after)) {
    const old = new Set((before[table] ?? []).map((row) => JSON.stringify(row)))
    const fresh = rows.filter((row) => !old.has(JSON.stringify(row)))
    if (fresh.length === 0) continue
    const columns = new Set<string>()
    for (const row of fresh) {
      const previous = (before[table] ?? []).find((candidate) =>
        Object.keys(candidate).every(
          (column) =>
            !['seq', 'last_seen_at'].includes(column) && candidate[column] === row[column],
        ),
      )
      for (const column of Object.keys(row))
        if (!previous || previous[column] !== row[column]) columns.add(column)
    }
    changed[table] = [...columns].sort()
  }
  return changed
}

describe('the database after telemetry arrives', () => {
  it('holds no device id, license id, license key, key hash, device key or address in any telemetry row or daily marker', async () => {
    await validate(telemetryReport())
    const tables = await everyTable(server.reader, BACKEND)
    const telemetry = tables.telemetry_daily ?? []
    expect(telemetry).toHaveLength(1)
    const [licenseRow] = tables.licenses ?? []
    const identifiers = [
      device.id,
      license.id,
      license.key,
      license.key.replaceAll('-', ''),
      String(licenseRow?.key_hash),
      device.jkt,
      String(device.publicKey.x),
      ADDRESS,
    ]
    const markers = tables.telemetry_markers ?? []
    expect(markers).toHaveLength(1)
    for (const row of [...telemetry, ...markers]) {
      const text = JSON.stringify(row)
      for (const identifier of identifiers) expect(text).not.toContain(identifier)
    }
    expect(Object.keys(markers[0] ?? {}).sort()).toEqual(['day', 'marker'])
    expect(String(markers[0]?.marker)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // Counters and the key of the aggregate, and nothing else, whatever a later change adds.
    expect(Object.keys(telemetry[0] ?? {}).sort()).toEqual(
      [
        'day',
        'product',
        'policy_version',
        'devices',
        'starts_offline',
        'starts_online',
        'grace_entered',
        'grace_ended',
        'rechecks_ok',
        'rechecks_failed',
        'revocations_seen',
        ...RECONNECT_BUCKETS_MS.map((_, index) => `reconnect_${index}`),
        `reconnect_${RECONNECT_BUCKETS_MS.length}`,
      ].sort(),
    )
    // The address of the device is stored nowhere at all.
    expect(JSON.stringify(tables)).not.toContain(ADDRESS)
  })

  it('changes nothing outside the telemetry table that a re-check without telemetry does not change', async () => {
    const start = await everyTable(server.reader, BACKEND)
    await validate()
    const plain = await everyTable(server.reader, BACKEND)
    await validate(telemetryReport())
    const withTelemetry = await everyTable(server.reader, BACKEND)

    const byPlain = changes(start, plain)
    const byTelemetry = changes(plain, withTelemetry)
    expect(byPlain.telemetry_daily).toBeUndefined()
    expect(byTelemetry.telemetry_daily).toBeDefined()
    // The day's marker: a keyed hash, and the day it is for.
    expect(byTelemetry.telemetry_markers).toEqual(['day', 'marker'])
    delete byTelemetry.telemetry_daily
    delete byTelemetry.telemetry_markers
    // The device's check-in (seq, last_seen_at) and a used proof: the same with or without.
    expect(byTelemetry).toEqual(byPlain)
    expect(Object.keys(byPlain).sort()).toEqual(['devices', 'used_proofs'])
  })
})

describe('bad telemetry', () => {
  const report = telemetryReport()
  const bad: [string, unknown][] = [
    ['a string', 'lots of telemetry'],
    ['a number', 1],
    ['null', null],
    ['an array', [report]],
    ['an unknown member', { ...report, deviceId: 'telemetry-device-7' }],
    ['no product', { counters: report.counters, reconnectToFresh: report.reconnectToFresh }],
    ['a product that is not an id', { ...report, product: 'notes; drop table' }],
    ['a missing counter', { ...report, counters: { ...report.counters, rechecksOk: undefined } }],
    ['an unknown counter', { ...report, counters: { ...report.counters, crashes: 1 } }],
    ['a negative counter', { ...report, counters: { ...report.counters, rechecksOk: -1 } }],
    ['a fractional counter', { ...report, counters: { ...report.counters, rechecksOk: 1.5 } }],
    ['a counter of 100,001', { ...report, counters: { ...report.counters, rechecksOk: 100_001 } }],
    ['a counter as a string', { ...report, counters: { ...report.counters, rechecksOk: '1' } }],
    [
      'other buckets',
      { ...report, reconnectToFresh: { bucketsMs: [1, 2, 3], counts: [0, 0, 0, 0] } },
    ],
    [
      'a histogram one count short',
      { ...report, reconnectToFresh: { ...report.reconnectToFresh, counts: [1, 2, 3] } },
    ],
    [
      'a histogram with a negative count',
      {
        ...report,
        reconnectToFresh: { ...report.reconnectToFresh, counts: [-1, 0, 0, 0, 0, 0, 0, 0, 0] },
      },
    ],
    ['deeply nested', JSON.parse(`${'['.repeat(1_000)}${']'.repeat(1_000)}`)],
  ]

  it.each(bad)(
    '(%s) is ignored and counted; the check still gets its grant',
    async (_name, body) => {
      const answer = await validate(body)
      expect(answer.results[0]?.ok).toBe(true)
      expect(answer.telemetry).toEqual({ accepted: false })
      expect(await counted('invalid')).toBe(1)
      expect((await everyTable(server.reader, BACKEND)).telemetry_daily).toEqual([])
    },
  )
})

describe('telemetry beside no verified check', () => {
  it('is ignored when the proof fails: only a device that proved its license may report', async () => {
    const check = await server.check(grant, device)
    await server.post('/api/v1/validate', { checks: [check] }) // uses the proof up
    const response = await server.post('/api/v1/validate', {
      checks: [check],
      telemetry: telemetryReport(),
    })
    const answer = await readJson<Answer>(response)
    expect(answer.results[0]).toMatchObject({ ok: false, error: { code: 'proof_invalid' } })
    expect(answer.telemetry).toEqual({ accepted: false })
    expect(await counted('unverified')).toBe(1)
    expect((await everyTable(server.reader, BACKEND)).telemetry_daily).toEqual([])
  })

  it('is ignored when it names a product no check of the call is for', async () => {
    const answer = await validate({ ...telemetryReport(), product: 'other' })
    expect(answer.telemetry).toEqual({ accepted: false })
    expect(await counted('unverified')).toBe(1)
  })
})

/** The day's aggregate rows as stored, whatever the admin API would hide. */
async function aggregates(): Promise<Record<string, unknown>[]> {
  return (await everyTable(server.reader, BACKEND)).telemetry_daily ?? []
}

/** A validate of `check` with a report beside it, whatever its result. */
async function reportBeside(check: { grant: string; proof: string }): Promise<Answer> {
  const response = await server.post('/api/v1/validate', {
    checks: [check],
    telemetry: telemetryReport(),
  })
  expect(response.status).toBe(200)
  return readJson<Answer>(response)
}

describe('one device reporting again and again (#11, item 4)', () => {
  it('Should not count one device as six - six reports on one day are each answered accepted, add up as one device, and its series stays hidden below five devices', async () => {
    for (let i = 0; i < 6; i++) {
      const answer = await validate(telemetryReport({ rechecksOk: 10 }))
      expect(answer.telemetry).toMatchObject({ accepted: true })
    }
    const [row, ...others] = await aggregates()
    expect(others).toEqual([])
    expect(Number(row?.devices)).toBe(1)
    expect(Number(row?.rechecks_ok)).toBe(10)
    expect(await counted('accepted')).toBe(1)
    expect(await counted('repeated')).toBe(5)

    const shown = await server.admin('GET', '/telemetry')
    const answer = await readJson<TelemetryAnswer>(shown)
    expect(answer.series).toEqual([])
    expect(answer.suppressed).toBe(1)
  })

  it('counts the device again the next day, and forgets the markers of days gone', async () => {
    await validate(telemetryReport())
    server.clock.advance(DAY)
    await validate(telemetryReport())
    server.clock.advance(DAY)
    await validate(telemetryReport())
    const rows = await aggregates()
    expect(rows.map((row) => Number(row.devices))).toEqual([1, 1, 1])
    const markers = (await everyTable(server.reader, BACKEND)).telemetry_markers ?? []
    // Today's and yesterday's; the first day's went with today's report.
    expect(markers).toHaveLength(2)
  })

  it('Should not let one report outweigh the others - each counter adds at most its cap', async () => {
    const inflated = Object.fromEntries(Object.keys(REPORT_CAPS).map((name) => [name, 100_000]))
    await validate(telemetryReport(inflated, Array(RECONNECT_BUCKETS_MS.length + 1).fill(100_000)))
    const [row] = await aggregates()
    expect(Number(row?.rechecks_ok)).toBe(REPORT_CAPS.rechecksOk)
    expect(Number(row?.revocations_seen)).toBe(REPORT_CAPS.revocationsSeen)
    expect(Number(row?.reconnect_0)).toBe(RECONNECT_CAP)
  })
})

describe('reports from a device without a seat (#11, item 4)', () => {
  it('Should not count a device that deactivated itself - its report beside its last grant is not accepted', async () => {
    const released = await server.post(
      '/api/v1/deactivate',
      await server.check(grant, device, DEACTIVATE),
    )
    expect(released.status).toBe(200)
    // The check itself is answered (with the signed revocation the device must learn of).
    const answer = await reportBeside(await server.check(grant, device))
    expect(answer.telemetry).toEqual({ accepted: false })
    expect(await aggregates()).toEqual([])
  })

  it('Should not count a device the vendor removed - its report is not accepted', async () => {
    const removed = await server.admin('DELETE', `/licenses/${license.id}/devices/${device.id}`)
    expect(removed.status).toBeLessThan(300)
    // The check itself is answered (with the signed revocation the device must learn of).
    const answer = await reportBeside(await server.check(grant, device))
    expect(answer.telemetry).toEqual({ accepted: false })
    expect(await aggregates()).toEqual([])
  })
})

describe('telemetry the database cannot store', () => {
  it('is answered not accepted, counted as failed, and the check still gets its grant', async () => {
    const store = server.data.store
    const failing = new Proxy(store, {
      get(target, property) {
        if (property === 'addTelemetryOnce') return () => Promise.reject(new Error('disk full'))
        const value: unknown = Reflect.get(target, property, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    }) as Store
    const app = createApp(server.data.deps({ store: failing, metrics }))
    const response = await app.request('/api/v1/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        checks: [await server.check(grant, device)],
        telemetry: telemetryReport(),
      }),
    })
    const answer = await readJson<Answer>(response)
    expect(answer.results[0]?.ok).toBe(true)
    expect(answer.telemetry).toEqual({ accepted: false })
    expect(await counted('failed')).toBe(1)
  })
})

describe('the telemetry series', () => {
  it.each([
    ['from=2026-13-01', 'from'],
    ['to=2026-02-30', 'to'],
    ['from=yesterday', 'from'],
    ['from=2026-3-1', 'from'],
    ['from=2026-03-02&to=2026-03-01', 'from'],
    ['from=2024-01-01&to=2026-01-01', 'at most 366 days'],
  ])('refuses %s as bad_request', async (query, says) => {
    const { error } = await expectError(
      await server.admin('GET', `/telemetry?${query}`),
      400,
      'bad_request',
    )
    expect(error.message).toContain(says)
  })
})
