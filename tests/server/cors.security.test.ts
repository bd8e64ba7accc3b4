import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CORS_MAX_AGE_SECONDS } from '../../server/http/apiCors.ts'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import { GENEROUS_LIMITS, expectError, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

// Issue #13: a vendor's app lives on its own origin and calls the license server on another.
// LEEWAY_CORS_ORIGINS lets the pages of the origins it lists call the public API, and nothing
// else: not other sites, not the admin API, not the metrics. Before, a preflight got 404 and the
// worker took the browser's CORS failure for "offline".

const APP = 'https://app.example.com'
const DEV = 'http://localhost:5173'

let server: TestServer
let other: TestServer | undefined

beforeAll(async () => {
  server = await startTestServer({ overrides: { corsOrigins: [APP, DEV] } })
})

afterAll(async () => {
  await server.close()
})

afterEach(async () => {
  await other?.close()
  other = undefined
})

/** A browser's preflight before a cross-origin request with a JSON body to `path`. */
function preflight(
  path: string,
  origin: string,
  method = 'POST',
  s: TestServer = server,
): Promise<Response> {
  return s.request('OPTIONS', path, {
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'content-type',
    },
  })
}

/** The CORS headers of an answer (`access-control-*`), by name. */
function corsHeaders(response: Response): Record<string, string> {
  return Object.fromEntries(
    [...response.headers].filter(([name]) => name.startsWith('access-control-')),
  )
}

/** Fails unless a page of `origin` may read `response` and the headers a client acts on. */
function expectReadableBy(response: Response, origin: string): void {
  expect(response.headers.get('access-control-allow-origin')).toBe(origin)
  expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  const exposed = (response.headers.get('access-control-expose-headers') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
  expect(exposed).toEqual(expect.arrayContaining(['retry-after', 'x-request-id']))
  expect(response.headers.get('x-request-id')).toBeTruthy()
  expect(response.headers.get('vary')).toMatch(/\bOrigin\b/i)
}

const UNKNOWN_KEY = 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA'

describe('a preflight from an origin on the list', () => {
  it.each([
    ['POST', '/api/v1/activate', APP],
    ['POST', '/api/v1/validate', DEV],
    ['GET', '/api/v1/keys', APP],
    ['DELETE', '/api/v1/shares/shr_AAAAAAAAAAAAAAAAAAAAAA', APP],
  ])('is answered 204 for %s %s from %s, naming that origin', async (method, path, origin) => {
    const response = await preflight(path, origin, method)
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    expect(response.headers.get('access-control-allow-origin')).toBe(origin)
    expect(response.headers.get('vary')).toMatch(/\bOrigin\b/i)
    const methods = (response.headers.get('access-control-allow-methods') ?? '').split(',')
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']))
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('content-type')
    expect(response.headers.get('access-control-max-age')).toBe(String(CORS_MAX_AGE_SECONDS))
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })
})

describe('answers to an origin on the list', () => {
  it('lets the page read a grant: its origin, Vary, and Retry-After and X-Request-Id exposed', async () => {
    const license = await server.createLicense()
    const response = await server.activate(license.key, await server.makeDevice(), {
      origin: APP,
    })
    expect(response.status).toBe(200)
    expectReadableBy(response, APP)
  })

  it.each([
    [
      'a refused key',
      async () => server.activate(UNKNOWN_KEY, await server.makeDevice(), { origin: DEV }),
      403,
      'license_key_invalid',
    ],
    [
      'a body that is not JSON',
      () => server.post('/api/v1/validate', 'x', { origin: DEV }),
      400,
      'bad_request',
    ],
    [
      'a path no route serves',
      () => server.request('GET', '/api/v1/nothing-here', { headers: { origin: DEV } }),
      404,
      'not_found',
    ],
    [
      'a path of a newer API than this server has',
      () => server.request('POST', '/api/v2/activate', { headers: { origin: DEV } }),
      404,
      'not_found',
    ],
  ] as const)('lets the page read the refusal of %s', async (_what, send, status, code) => {
    const response = await send()
    expectReadableBy(response, DEV)
    await expectError(response, status, code)
  })

  it('lets the page read a 429 and its Retry-After, so the worker waits instead of calling it offline', async () => {
    other = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: { capacity: 1, perMinute: 1 } },
      overrides: { corsOrigins: [APP] },
    })
    const s = other
    await expectError(
      await s.activate(UNKNOWN_KEY, await s.makeDevice(), { origin: APP }),
      403,
      'license_key_invalid',
    )
    const response = await s.activate(UNKNOWN_KEY, await s.makeDevice(), { origin: APP })
    expectReadableBy(response, APP)
    expect(response.headers.get('retry-after')).toBe('60')
    await expectError(response, 429, 'rate_limited')
  })

  it('carries no resource or content policy that would stop a page of another origin reading it', async () => {
    const response = await server.request('GET', '/api/v1/keys', { headers: { origin: APP } })
    expect(response.status).toBe(200)
    expectReadableBy(response, APP)
    expect([null, 'cross-origin']).toContain(response.headers.get('cross-origin-resource-policy'))
    expect(response.headers.get('content-security-policy')).toBeNull()
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })
})

describe('origins not on the list', () => {
  it.each([
    ['another site', 'https://elsewhere.example'],
    ['a look-alike host', 'https://app.example.com.elsewhere.example'],
    ['the same host over http', 'http://app.example.com'],
    ['the same host on another port', 'https://app.example.com:8443'],
    ['a sandboxed frame or file: page', 'null'],
  ])(
    'gets no CORS header on a preflight from %s, answered as any OPTIONS',
    async (_what, origin) => {
      const response = await preflight('/api/v1/activate', origin)
      expect(corsHeaders(response)).toEqual({})
      await expectError(response, 404, 'not_found')
    },
  )

  it('gets its request answered normally, with no CORS header: the browser keeps it from the page', async () => {
    const origin = 'https://elsewhere.example'
    const keys = await server.request('GET', '/api/v1/keys', { headers: { origin } })
    expect(keys.status).toBe(200)
    expect(corsHeaders(keys)).toEqual({})
    // A cache must not hand this answer to a listed origin, nor the reverse.
    expect(keys.headers.get('vary')).toMatch(/\bOrigin\b/i)
    const refused = await server.activate(UNKNOWN_KEY, await server.makeDevice(), { origin })
    expect(corsHeaders(refused)).toEqual({})
    await expectError(refused, 403, 'license_key_invalid')
  })

  it('gives a request with no Origin (same origin, or not a browser) no CORS header', async () => {
    const response = await server.request('GET', '/api/v1/keys')
    expect(response.status).toBe(200)
    expect(corsHeaders(response)).toEqual({})
  })

  it('takes an OPTIONS without Access-Control-Request-Method for no preflight, even from a listed origin', async () => {
    const response = await server.request('OPTIONS', '/api/v1/activate', {
      headers: { origin: APP },
    })
    expect(corsHeaders(response)).toEqual({})
    await expectError(response, 404, 'not_found')
  })
})

describe('the admin API, the metrics and the health check', () => {
  it.each(['/admin/v1/licenses', '/admin/v1/manifest', '/metrics', '/healthz'])(
    'Should not answer a preflight to %s with CORS headers, even from a listed origin',
    async (path) => {
      const response = await preflight(path, APP, 'GET')
      expect(response.status).not.toBe(204)
      expect(corsHeaders(response)).toEqual({})
    },
  )

  it('Should not let a listed origin read an admin answer, even one with the right token', async () => {
    const response = await server.request('GET', '/admin/v1/licenses', {
      headers: { origin: APP, authorization: `Bearer ${server.data.adminToken}` },
    })
    expect(response.status).toBe(200)
    expect(corsHeaders(response)).toEqual({})
  })

  it('Should not let a listed origin read the metrics or the health check', async () => {
    for (const response of [
      await server.request('GET', '/metrics', {
        headers: { origin: APP, authorization: `Bearer ${server.data.adminToken}` },
      }),
      await server.request('GET', '/healthz', { headers: { origin: APP } }),
    ]) {
      expect(response.status).toBe(200)
      expect(corsHeaders(response)).toEqual({})
    }
  })
})

describe('a server with no origins listed (the default)', () => {
  it('answers every origin as before: no CORS header, and a preflight is a 404', async () => {
    other = await startTestServer()
    const response = await preflight('/api/v1/activate', APP, 'POST', other)
    expect(corsHeaders(response)).toEqual({})
    await expectError(response, 404, 'not_found')
    const keys = await other.request('GET', '/api/v1/keys', { headers: { origin: APP } })
    expect(corsHeaders(keys)).toEqual({})
  })
})

describe('over a real connection', () => {
  let running: RunningServer | undefined

  afterAll(async () => {
    await running?.close()
  })

  it('answers a browser’s preflight and its request as the test app does', async () => {
    running = await listen(server.data, { port: 0, host: '127.0.0.1', corsOrigins: [APP] })
    const asked = await fetch(`${running.url}/api/v1/keys`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'GET' },
    })
    expect(asked.status).toBe(204)
    expect(asked.headers.get('access-control-allow-origin')).toBe(APP)
    const keys = await fetch(`${running.url}/api/v1/keys`, { headers: { origin: APP } })
    expect(keys.status).toBe(200)
    expectReadableBy(keys, APP)
    const admin = await fetch(`${running.url}/admin/v1/licenses`, {
      headers: { origin: APP, authorization: `Bearer ${server.data.adminToken}` },
    })
    expect(admin.status).toBe(200)
    expect(corsHeaders(admin)).toEqual({})
  })
})
