import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import { REPORT_CAPS } from '../../server/services/TelemetryService.ts'
import { TELEMETRY_COUNTERS } from '../../src/core/index.ts'
import type { TelemetryReport } from '../../src/core/index.ts'
import { telemetryReport } from './helpers/telemetry.ts'
import type { TelemetryAnswer } from './helpers/telemetry.ts'
import { DAY, claimsOf, grantOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { Device, TestServer, ValidateBody } from './helpers/testServer.ts'

let server: TestServer

beforeEach(async () => {
  server = await startTestServer()
})

afterEach(async () => {
  await server.close()
})

interface Fleet {
  devices: Device[]
  grants: string[]
}

async function fleet(size: number): Promise<Fleet> {
  const license = await server.createLicense({ seats: size })
  const devices: Device[] = []
  const grants: string[] = []
  for (let i = 0; i < size; i += 1) {
    const device = await server.makeDevice()
    devices.push(device)
    grants.push((await server.activateOk(license.key, device)).grant)
  }
  return { devices, grants }
}

type Answer = ValidateBody & { telemetry?: { accepted: boolean; day?: string } }

/** Every device of the fleet re-checks with `report`; their grants become the fresh ones. */
async function reportAll(
  { devices, grants }: Fleet,
  report: TelemetryReport = telemetryReport(),
): Promise<Answer[]> {
  const answers: Answer[] = []
  for (const [index, device] of devices.entries()) {
    const response = await server.post('/api/v1/validate', {
      checks: [await server.check(grants[index] ?? '', device)],
      telemetry: report,
    })
    const answer = await readJson<Answer>(response)
    grants[index] = grantOf(answer.results[0])
    answers.push(answer)
  }
  return answers
}

async function series(query = ''): Promise<TelemetryAnswer> {
  const answer = await server.admin('GET', `/telemetry${query}`)
  expect(answer.status).toBe(200)
  return readJson<TelemetryAnswer>(answer)
}

describe('telemetry from five devices on one day', () => {
  it('is added up into one series for the day, product and policy version', async () => {
    const five = await fleet(5)
    const answers = await reportAll(
      five,
      telemetryReport({ rechecksOk: 3, graceEntered: 0 }, [2, 1, 0, 0, 0, 0, 0, 0, 1]),
    )
    expect(answers.map((answer) => answer.telemetry)).toEqual(
      Array(5).fill({ accepted: true, day: '2026-03-02' }),
    )
    const report = await series()
    expect(report).toMatchObject({ from: '2026-02-01', to: '2026-03-02', minDevices: 5 })
    expect(report.suppressed).toBe(0)
    expect(report.series).toEqual([
      {
        day: '2026-03-02',
        product: 'notes',
        policyVersion: 1,
        devices: 5,
        counters: {
          startsOffline: 5,
          startsOnline: 5,
          graceEntered: 0,
          graceEnded: 5,
          rechecksOk: 15,
          rechecksFailed: 5,
          revocationsSeen: 5,
        },
        reconnectToFresh: {
          bucketsMs: [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000],
          counts: [10, 5, 0, 0, 0, 0, 0, 0, 5],
        },
      },
    ])
  })
})

describe('telemetry from four devices', () => {
  it('is left out of the answer, which says one series was withheld', async () => {
    await reportAll(await fleet(4))
    const report = await series()
    expect(report.series).toEqual([])
    expect(report.suppressed).toBe(1)
  })
})

describe('telemetry over two days and a policy change', () => {
  it('keeps days and policy versions apart, each counted under the policy it was collected with', async () => {
    const five = await fleet(5)
    await reportAll(five)
    const published = await server.admin('PUT', '/manifest', {
      products: { notes: { ...DEMO_MANIFEST.products.notes, grace: 'P10D' } },
    })
    expect(published.status).toBe(201)
    server.clock.advance(DAY)
    // The grants held on day 2 were signed under version 1: so is what they report.
    await reportAll(five, telemetryReport({ rechecksFailed: 2 }))
    expect(five.grants.map((grant) => claimsOf(grant).pol.v)).toEqual(Array(5).fill(2))
    server.clock.advance(DAY)
    await reportAll(five, telemetryReport({ rechecksFailed: 0 }))

    const both = await series('?from=2026-03-01&to=2026-03-04')
    expect(
      both.series.map((point) => [
        point.day,
        point.policyVersion,
        point.devices,
        point.counters.rechecksFailed,
      ]),
    ).toEqual([
      ['2026-03-02', 1, 5, 5],
      ['2026-03-03', 1, 5, 10],
      ['2026-03-04', 2, 5, 0],
    ])
    const secondDay = await series('?from=2026-03-03&to=2026-03-03')
    expect(secondDay.series.map((point) => point.day)).toEqual(['2026-03-03'])
  })
})

describe('the default range', () => {
  it('is the 30 days up to today (UTC), both included', async () => {
    server.clock.advance(40 * DAY)
    const report = await series()
    expect(report).toMatchObject({ from: '2026-03-13', to: '2026-04-11', series: [] })
  })

  it('runs 30 days back from `to` when only `to` is given', async () => {
    const report = await series('?to=2026-01-31')
    expect(report).toMatchObject({ from: '2026-01-02', to: '2026-01-31' })
  })
})

describe('counters at their caps', () => {
  it('are accepted and added up exactly', async () => {
    const five = await fleet(5)
    await reportAll(five, telemetryReport(REPORT_CAPS))
    const [point] = (await series()).series
    expect(point?.counters).toEqual(
      Object.fromEntries(TELEMETRY_COUNTERS.map((name) => [name, 5 * REPORT_CAPS[name]])),
    )
  })
})
