import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TelemetryReport } from '../../../src/core/index.ts'
import { jsonAnswer, startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

const SECOND = 1_000
const HOUR = 3_600_000
const DAY = 24 * HOUR

let h: WorkerHarness
let license: { id: string; key: string }

beforeEach(async () => {
  // The harness starts both clocks at 2026-06-01 12:00 UTC.
  h = await startWorkerHarness()
  license = await h.createLicense()
  expect((await h.worker.activate(license.key, 'Laptop')).ok).toBe(true)
})

afterEach(async () => {
  await h.close()
})

function offline(): void {
  h.intercept(async () => {
    throw new TypeError('Failed to fetch')
  })
}

/** What each validate call carried as telemetry (undefined: none), in order. */
function sentReports(): (TelemetryReport | undefined)[] {
  return h.exchanges
    .filter((exchange) => exchange.path === '/api/v1/validate')
    .map((exchange) => (exchange.request as { telemetry?: TelemetryReport }).telemetry)
}

function lastValidateAnswer(): { telemetry?: unknown } {
  const last = h.exchanges.filter((exchange) => exchange.path === '/api/v1/validate').at(-1)
  return JSON.parse(last?.response ?? '{}') as { telemetry?: unknown }
}

const zero = {
  startsOffline: 0,
  startsOnline: 0,
  graceEntered: 0,
  graceEnded: 0,
  rechecksOk: 0,
  rechecksFailed: 0,
  revocationsSeen: 0,
}

describe('a device whose user never agreed to telemetry', () => {
  it('counts nothing and sends nothing', async () => {
    await h.worker.appStarted()
    for (let day = 0; day < 3; day += 1) {
      h.advance(13 * HOUR)
      await h.worker.recheck()
      await h.state()
    }
    expect(sentReports()).toEqual([undefined, undefined, undefined])
    expect(await h.worker.telemetry()).toEqual({ optIn: false })
  })
})

describe('a device that agreed, goes offline into grace and comes back', () => {
  it('sends its counters inside the next validate, once a day, and clears what the server accepted', async () => {
    await h.worker.setTelemetry(true)
    await h.worker.appStarted() // online: the activation just succeeded

    h.advance(13 * HOUR) // 06-02 01:00: a re-check is due, and the network is gone
    offline()
    await h.worker.recheck()
    h.advance(12 * HOUR) // 06-02 13:00: past the re-check interval, in grace
    expect((await h.state()).status).toBe('grace')
    await h.worker.appStarted() // offline now

    // The network comes back, but the server answers 503 first…
    h.intercept(async () => jsonAnswer({ error: { code: 'internal', message: 'busy' } }, 503))
    await h.worker.recheckIfDue({ reconnected: true })
    // …and a fresh grant 10 seconds after the reconnection.
    h.advance(10 * SECOND)
    h.intercept(null)
    await h.worker.recheck()
    expect((await h.state()).status).toBe('active')

    // The first attempt never reached anything (the network was gone); the 503 and the success did.
    const reports = sentReports()
    expect(reports).toHaveLength(2)
    const accepted = reports[1]
    expect(accepted).toEqual({
      product: 'notes',
      counters: { ...zero, startsOnline: 1, startsOffline: 1, graceEntered: 1, rechecksFailed: 2 },
      reconnectToFresh: {
        bucketsMs: [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000],
        counts: [0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    })
    expect(lastValidateAnswer().telemetry).toEqual({ accepted: true, day: '2026-06-02' })
    const [stored] = await h.data.store.telemetryBetween('2026-06-02', '2026-06-02')
    expect(stored).toMatchObject({
      product: 'notes',
      policy_version: 1,
      devices: 1,
      starts_online: 1,
      starts_offline: 1,
      grace_entered: 1,
      rechecks_failed: 2,
    })

    // "Check now" later the same day: the check goes, the counters wait for tomorrow.
    h.advance(HOUR)
    await h.worker.recheck()
    expect(sentReports()[2]).toBeUndefined()

    // The next day's check brings what was counted since, once: nothing sent before again.
    h.advance(13 * HOUR) // 06-03 03:00
    await h.worker.recheck()
    expect(sentReports()[3]).toEqual({
      product: 'notes',
      counters: { ...zero, rechecksOk: 2 },
      reconnectToFresh: {
        bucketsMs: [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000],
        // 10 s from reconnection to a fresh grant: the bucket up to 15 s.
        counts: [0, 0, 1, 0, 0, 0, 0, 0, 0],
      },
    })
    expect(lastValidateAnswer().telemetry).toEqual({ accepted: true, day: '2026-06-03' })
  })
})

describe('grace that runs out offline', () => {
  it('is counted as grace entered and grace ended, even when only the end was seen', async () => {
    await h.worker.setTelemetry(true)
    offline()
    h.advance(DAY + 8 * DAY) // past a day of re-check and 7 of grace, with the app never opened
    expect((await h.state()).status).toBe('limited')
    h.intercept(null)
    await h.worker.recheck()
    expect(sentReports().at(-1)?.counters).toMatchObject({ graceEntered: 1, graceEnded: 1 })
  })
})

describe('a revocation by the vendor', () => {
  it('is counted once when it reaches the device, and reported the next day', async () => {
    await h.worker.setTelemetry(true)
    const revoked = await h.app.request(`/admin/v1/licenses/${license.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.data.adminToken}` },
    })
    expect(revoked.status).toBe(200)
    h.advance(13 * HOUR)
    await h.worker.recheck()
    expect((await h.state()).status).toBe('revoked')
    h.advance(13 * HOUR)
    await h.worker.recheck() // the revocation again: not a new one
    h.advance(DAY)
    await h.worker.recheck()
    const counters = sentReports()
      .filter((report) => report !== undefined)
      .map((report) => report.counters.revocationsSeen)
    expect(counters.reduce((sum, value) => sum + value, 0)).toBe(1)
  })
})

describe('a user who says no after saying yes', () => {
  it('has every count not yet sent forgotten, and nothing sent', async () => {
    await h.worker.setTelemetry(true)
    await h.worker.appStarted()
    await h.worker.appStarted()
    await h.worker.setTelemetry(false)
    await h.worker.setTelemetry(true)
    h.advance(13 * HOUR)
    await h.worker.recheck()
    expect(sentReports()).toEqual([undefined])
  })
})

describe('a server that ignores the report', () => {
  it('leaves the counters on the device, and sends them again with the next check', async () => {
    await h.worker.setTelemetry(true)
    await h.worker.appStarted()
    h.intercept(async (_path, _body, forward) => {
      const response = await forward()
      const answer = (await response.json()) as Record<string, unknown>
      return jsonAnswer({ ...answer, telemetry: { accepted: false } })
    })
    h.advance(13 * HOUR)
    await h.worker.recheck()
    h.intercept(null)
    h.advance(HOUR)
    await h.worker.recheck()
    const [first, second] = sentReports()
    expect(first?.counters.startsOnline).toBe(1)
    expect(second?.counters).toMatchObject({ startsOnline: 1, rechecksOk: 1 })
  })
})
