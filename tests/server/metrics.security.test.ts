import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectError, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

const METRICS_TOKEN = 'lwm_scraper-token-for-the-tests'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer({ overrides: { metricsToken: METRICS_TOKEN } })
})

afterAll(async () => {
  await server.close()
})

const scrape = (authorization?: string) =>
  server.request('GET', '/metrics', {
    headers: authorization === undefined ? {} : { authorization },
  })

describe('GET /metrics', () => {
  it('answers Prometheus text to the metrics token', async () => {
    const answer = await scrape(`Bearer ${METRICS_TOKEN}`)
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(await answer.text()).toContain('# TYPE leeway_http_requests_total counter')
  })

  it('answers the admin token too', async () => {
    expect((await scrape(`Bearer ${server.data.adminToken}`)).status).toBe(200)
  })

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer lwm_wrong'],
    ['the metrics token in another case', `Bearer ${METRICS_TOKEN.toUpperCase()}`],
    ['the metrics token with another scheme', `Basic ${METRICS_TOKEN}`],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s', async (_name, authorization) => {
    await expectError(await scrape(authorization), 401, 'unauthorized')
  })
})

describe('the metrics token', () => {
  it.each([
    ['GET', '/admin/v1/licenses'],
    ['GET', '/admin/v1/manifest'],
    ['GET', '/admin/v1/telemetry'],
    ['POST', '/admin/v1/keys/rotate'],
  ])('opens nothing of the admin API: %s %s', async (method, path) => {
    const answer = await server.request(method, path, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    })
    await expectError(answer, 401, 'unauthorized')
  })
})

describe('a server without a metrics token', () => {
  it('lets only the admin token read metrics', async () => {
    const plain = await startTestServer()
    try {
      const refused = await plain.request('GET', '/metrics', {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
      await expectError(refused, 401, 'unauthorized')
      const read = await plain.request('GET', '/metrics', {
        headers: { authorization: `Bearer ${plain.data.adminToken}` },
      })
      expect(read.status).toBe(200)
    } finally {
      await plain.close()
    }
  })
})
