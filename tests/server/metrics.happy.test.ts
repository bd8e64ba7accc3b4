import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Metrics } from '../../server/observability/Metrics.ts'
import { metricValue } from './helpers/metricsText.ts'
import { telemetryReport } from './helpers/telemetry.ts'
import { grantOf, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer
let text: string

/** One value of the exposition: the line `name{labels} value`, labels in any order. */
function value(name: string, labels: Record<string, string> = {}): number | undefined {
  return metricValue(text, name, labels)
}

beforeAll(async () => {
  server = await startTestServer({ overrides: { metrics: new Metrics() } })
  const license = await server.createLicense({ seats: 1 })
  const device = await server.makeDevice()
  const { grant } = await server.activateOk(license.key, device)
  await server.activateOk(license.key, device) // the same device again: its own seat
  await server.activate(license.key, await server.makeDevice()) // seat_limit_reached
  await server.activate('WRONG-KEY00-00000-00000-00000-00000', await server.makeDevice())
  const fresh = grantOf(await server.validateOne(grant, device))
  const used = await server.check(fresh, device)
  await server.validate([used])
  // The same proof again: refused as a replay, and its telemetry with it.
  await server.post('/api/v1/validate', { checks: [used], telemetry: telemetryReport() })
  await server.admin('GET', `/licenses/${license.id}`)
  await server.admin('GET', '/licenses/lic_doesnotexist')
  const answer = await server.request('GET', '/metrics', {
    headers: { authorization: `Bearer ${server.data.adminToken}` },
  })
  text = await answer.text()
})

afterAll(async () => {
  await server.close()
})

describe('the metrics after activations, validations and admin calls', () => {
  it('count requests per route pattern, never per raw path', async () => {
    expect(
      value('leeway_http_requests_total', {
        method: 'GET',
        route: '/admin/v1/licenses/:id',
        status: '200',
      }),
    ).toBe(1)
    expect(
      value('leeway_http_requests_total', {
        method: 'GET',
        route: '/admin/v1/licenses/:id',
        status: '404',
      }),
    ).toBe(1)
    expect(text).not.toContain('lic_')
    expect(
      value('leeway_http_requests_total', {
        method: 'POST',
        route: '/api/v1/activate',
        status: '200',
      }),
    ).toBe(2)
  })

  it('time requests in a histogram per route', async () => {
    expect(
      value('leeway_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/validate',
        status: '200',
      }),
    ).toBe(3)
    expect(
      value('leeway_http_request_duration_seconds_bucket', {
        route: '/api/v1/validate',
        le: '+Inf',
      }),
    ).toBe(3)
  })

  it('count validation outcomes by code', async () => {
    expect(value('leeway_validations_total', { code: 'ok' })).toBe(2)
    expect(value('leeway_validations_total', { code: 'proof_invalid' })).toBe(1)
  })

  it('count activations by outcome, and seat-limit refusals on their own', async () => {
    expect(value('leeway_activations_total', { kind: 'online', code: 'ok' })).toBe(2)
    expect(value('leeway_activations_total', { kind: 'online', code: 'seat_limit_reached' })).toBe(
      1,
    )
    expect(value('leeway_activations_total', { kind: 'online', code: 'license_key_invalid' })).toBe(
      1,
    )
    expect(value('leeway_seat_limit_refusals_total')).toBe(1)
  })

  it('count telemetry reports by outcome', async () => {
    expect(value('leeway_telemetry_reports_total', { outcome: 'unverified' })).toBe(1)
  })
})
