import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import { createLogger, logLevelFromEnv } from '../../server/observability/logger.ts'
import { telemetryReport } from './helpers/telemetry.ts'
import { DEACTIVATE, grantOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { GrantBody, TestServer, ValidateBody } from './helpers/testServer.ts'

interface LogLine {
  level: number
  msg: string
  reqId?: string
  method?: string
  route?: string
  status?: number
  durationMs?: number
  code?: string
}

let server: TestServer
const written: string[] = []
/** Every secret the flow handled: none may reach the log. */
const secrets: string[] = []
const responses: Response[] = []

beforeAll(async () => {
  // The most talkative level: nothing may leak at any level.
  const logger = createLogger({
    level: 'trace',
    destination: { write: (line: string) => void written.push(line) },
  })
  server = await startTestServer({ overrides: { logger } })
  secrets.push(server.data.adminToken)

  const license = await server.createLicense({ seats: 2 })
  secrets.push(license.key, license.key.replaceAll('-', ''))
  const device = await server.makeDevice()
  const activation = await server.activate(license.key, device, {
    'x-request-id': 'trace-activate-1',
  })
  responses.push(activation)
  const { grant } = await readJson<GrantBody>(activation)
  secrets.push(grant)

  const check = await server.check(grant, device)
  secrets.push(check.proof)
  const validation = await server.post(
    '/api/v1/validate',
    { checks: [check], telemetry: telemetryReport() },
    { 'x-request-id': 'has spaces and a ; semicolon' },
  )
  responses.push(validation)
  const fresh = grantOf((await readJson<ValidateBody>(validation)).results[0])
  secrets.push(fresh)

  await server.validate([check]) // a replay: refused, logged with its code
  await server.activate('ABCDE-FGHJK-MNPQR-STVWX-YZ012-34567', await server.makeDevice())

  const release = await server.check(fresh, device, DEACTIVATE)
  secrets.push(release.proof)
  const deactivation = await server.post('/api/v1/deactivate', release)
  secrets.push((await readJson<GrantBody>(deactivation)).grant)

  await server.admin('GET', '/licenses')
  await server.admin('GET', `/licenses/${license.id}`)
  await server.admin('POST', `/licenses/${license.id}/suspend`, { reason: 'unpaid invoice' })
  await server.admin('GET', '/manifest')
  await server.request('PUT', '/admin/v1/manifest?dryRun=1', {
    body: DEMO_MANIFEST,
    headers: { authorization: `Bearer ${server.data.adminToken}` },
  })
  await server.admin('PUT', '/manifest', DEMO_MANIFEST)
  await server.admin('POST', '/manifest/rollback', { version: 1 })
  await server.admin('GET', '/telemetry')
  await server.request('GET', '/metrics', {
    headers: { authorization: `Bearer ${server.data.adminToken}` },
  })
  await server.request('GET', '/admin/v1/licenses', {
    headers: { authorization: 'Bearer lwa_a-wrong-token-guessed-by-someone' },
  })
  secrets.push('lwa_a-wrong-token-guessed-by-someone')
})

afterAll(async () => {
  await server.close()
})

const lines = () => written.map((line) => JSON.parse(line) as LogLine)

describe('the log of a full run', () => {
  it('holds no license key, admin token, proof or grant, nor any part of a grant', () => {
    const log = written.join('')
    expect(log.length).toBeGreaterThan(0)
    for (const secret of secrets) {
      expect(log).not.toContain(secret)
      // A grant's signature or payload alone would be as bad as the whole of it.
      for (const part of secret.split('.').filter((piece) => piece.length > 20))
        expect(log).not.toContain(part)
    }
    expect(log).not.toContain('unpaid invoice')
  })

  it('is one JSON object a line, one line per request, with id, method, route, status and duration', () => {
    const requests = lines().filter((line) => line.msg === 'request')
    expect(requests.length).toBe(16)
    for (const line of requests) {
      expect(line).toMatchObject({
        level: 30,
        reqId: expect.any(String),
        method: expect.stringMatching(/^(GET|POST|PUT|DELETE)$/),
        route: expect.stringMatching(/^\//),
        status: expect.any(Number),
        durationMs: expect.any(Number),
      })
    }
    expect(new Set(requests.map((line) => line.reqId)).size).toBe(requests.length)
  })

  it('names routes by pattern and refusals by code', () => {
    const requests = lines().filter((line) => line.msg === 'request')
    expect(requests.map((line) => line.route)).toContain('/admin/v1/licenses/:id/suspend')
    expect(requests).toContainEqual(
      expect.objectContaining({
        route: '/api/v1/activate',
        status: 403,
        code: 'license_key_invalid',
      }),
    )
    expect(requests).toContainEqual(
      expect.objectContaining({ route: '/admin/v1/licenses', status: 401, code: 'unauthorized' }),
    )
  })
})

describe('the request id', () => {
  it('is taken from a well-formed X-Request-Id and echoed', () => {
    expect(responses[0]?.headers.get('x-request-id')).toBe('trace-activate-1')
    expect(lines().some((line) => line.reqId === 'trace-activate-1')).toBe(true)
  })

  it('is made anew when the incoming one is not well-formed, and echoed', () => {
    const id = responses[1]?.headers.get('x-request-id') ?? ''
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(written.join('')).not.toContain('semicolon')
  })
})

describe('the log level', () => {
  it.each([
    [{}, 'info'],
    [{ LOG_LEVEL: 'debug' }, 'debug'],
    [{ VITEST: 'true' }, 'silent'],
    [{ NODE_ENV: 'test' }, 'silent'],
    [{ NODE_ENV: 'test', LOG_LEVEL: 'warn' }, 'warn'],
  ])('from %o is %s', (env, level) => {
    expect(logLevelFromEnv(env)).toBe(level)
  })
})
