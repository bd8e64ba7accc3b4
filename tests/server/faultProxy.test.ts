import { Agent, createServer, request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFaultProxy } from '../support/faultProxy.ts'
import type { FaultProxy } from '../support/faultProxy.ts'

/** What the upstream's echo route saw, as it answers it. */
interface Echo {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
  /** The proxy's side of the upstream connection, to tell whether it was reused. */
  upstreamPort: number
}

const KB = 1024

let upstream: Server
let upstreamUrl: string
let proxy: FaultProxy

/**
 * The stand-in license server. /api/v1/big?bytes=N answers N bytes; /api/v1/count answers how
 * many body bytes it received; anything else echoes the request as JSON, with ?status= and
 * ?retryAfter= choosing the answer's status and Retry-After.
 */
function answerUpstream(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://upstream.invalid')
  if (url.pathname === '/api/v1/big') {
    const bytes = Number(url.searchParams.get('bytes'))
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes,
    })
    response.end(Buffer.alloc(bytes, 'x'))
    return
  }
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const body = Buffer.concat(chunks)
    if (url.pathname === '/api/v1/count') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ bytes: body.length }))
      return
    }
    const echo: Echo = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: body.toString('utf8'),
      upstreamPort: request.socket.remotePort ?? 0,
    }
    const retryAfter = url.searchParams.get('retryAfter')
    response.writeHead(Number(url.searchParams.get('status') ?? '200'), {
      'content-type': 'application/json',
      'cache-control': 'private, max-age=60',
      ...(retryAfter === null ? {} : { 'retry-after': retryAfter }),
    })
    response.end(JSON.stringify(echo))
  })
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address')
  return `http://127.0.0.1:${address.port}`
}

/** An address where nothing listens: a server's, just after it closed. */
async function deadAddress(): Promise<string> {
  const server = createServer()
  const url = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return url
}

async function echoOf(response: Response): Promise<Echo> {
  return (await response.json()) as Echo
}

/** Settles to 'pending' if `promise` has not settled within `ms`. */
async function stateAfter(promise: Promise<unknown>, ms: number): Promise<string> {
  const settled = promise.then(
    () => 'fulfilled',
    () => 'rejected',
  )
  return Promise.race([settled, sleep(ms).then(() => 'pending')])
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(10)
  }
}

/** A request through node:http, for what fetch cannot show: socket reuse and chunked uploads. */
async function send(
  path: string,
  options: { agent?: Agent; method?: string; chunks?: string[] } = {},
): Promise<{ status: number; reusedSocket: boolean; body: string }> {
  const { chunks = [] } = options
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${proxy.url}${path}`,
      { agent: options.agent, method: options.method ?? 'GET' },
      (response) => {
        const received: Buffer[] = []
        response.on('data', (chunk: Buffer) => received.push(chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            reusedSocket: outgoing.reusedSocket,
            body: Buffer.concat(received).toString('utf8'),
          }),
        )
      },
    )
    outgoing.on('error', reject)
    // Chunks go out a few milliseconds apart, so the proxy really sees a stream.
    void (async () => {
      for (const chunk of chunks) {
        outgoing.write(chunk)
        await sleep(20)
      }
      outgoing.end()
    })()
  })
}

beforeAll(async () => {
  upstream = createServer(answerUpstream)
  upstreamUrl = await listen(upstream)
})

afterAll(async () => {
  upstream.closeAllConnections()
  await new Promise<void>((resolve) => upstream.close(() => resolve()))
})

beforeEach(async () => {
  proxy = await startFaultProxy({ target: upstreamUrl })
})

afterEach(async () => {
  await proxy.close()
})

describe('pass: the proxy is invisible', () => {
  it('forwards method, path with query, body and headers, with Host set to the target', async () => {
    const response = await fetch(`${proxy.url}/api/v1/validate?device=d1&x=%20y`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer token-123',
        'x-leeway-client': '1.0',
      },
      body: JSON.stringify({ grant: 'g' }),
    })
    expect(response.status).toBe(200)
    const echo = await echoOf(response)
    expect(echo).toMatchObject({
      method: 'POST',
      url: '/api/v1/validate?device=d1&x=%20y',
      body: '{"grant":"g"}',
    })
    expect(echo.headers).toMatchObject({
      host: new URL(upstreamUrl).host,
      'content-type': 'application/json',
      authorization: 'Bearer token-123',
      'x-leeway-client': '1.0',
    })
    expect(proxy.log).toMatchObject([
      {
        method: 'POST',
        path: '/api/v1/validate?device=d1&x=%20y',
        outcome: 'forwarded',
        status: 200,
      },
    ])
  })

  it('brings back the upstream status with its Retry-After and cache headers', async () => {
    const response = await fetch(`${proxy.url}/api/v1/validate?status=503&retryAfter=9`)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('9')
    expect(response.headers.get('cache-control')).toBe('private, max-age=60')
    expect(response.headers.get('content-type')).toBe('application/json')
  })

  it('streams a chunked request body through to the upstream', async () => {
    const { status, body } = await send('/api/v1/echo', {
      method: 'PUT',
      chunks: ['{"part":', '1,"more"', ':true}'],
    })
    expect(status).toBe(200)
    const echo = JSON.parse(body) as Echo
    expect(echo.body).toBe('{"part":1,"more":true}')
    expect(echo.headers['transfer-encoding']).toBe('chunked')
  })

  it('serves several requests over one kept-alive connection, and reuses its own upstream one', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const first = await send('/api/v1/echo', { agent })
      const second = await send('/api/v1/echo', { agent })
      expect(second.reusedSocket).toBe(true)
      const firstEcho = JSON.parse(first.body) as Echo
      const secondEcho = JSON.parse(second.body) as Echo
      expect(secondEcho.upstreamPort).toBe(firstEcho.upstreamPort)
    } finally {
      agent.destroy()
    }
  })

  it('answers 502 with a short text when the upstream is down, and logs it', async () => {
    const orphan = await startFaultProxy({ target: await deadAddress() })
    try {
      const response = await fetch(`${orphan.url}/api/v1/validate`)
      expect(response.status).toBe(502)
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
      expect(await response.text()).toMatch(/upstream .* failed \(ECONNREFUSED\)/)
      expect(orphan.log).toMatchObject([{ outcome: 'upstreamFailed', status: 502 }])
    } finally {
      await orphan.close()
    }
  })
})

describe('refuse: the connection drops', () => {
  it('cuts the connection without an answer, so fetch rejects with a network error', async () => {
    proxy.setMode({ kind: 'refuse' })
    await expect(fetch(`${proxy.url}/api/v1/validate`)).rejects.toThrow(TypeError)
    expect(proxy.log).toMatchObject([{ path: '/api/v1/validate', outcome: 'refused' }])
    expect(proxy.log[0]).not.toHaveProperty('status')
  })
})

describe('hang: the server never answers', () => {
  it('keeps the fetch pending until the client gives up; pass then lets a new request through', async () => {
    proxy.setMode({ kind: 'hang' })
    const controller = new AbortController()
    const pending = fetch(`${proxy.url}/api/v1/validate`, { signal: controller.signal })
    expect(await stateAfter(pending, 300)).toBe('pending')
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })

    proxy.setMode({ kind: 'pass' })
    const response = await fetch(`${proxy.url}/api/v1/validate`)
    expect(response.status).toBe(200)
    expect(proxy.log.map((entry) => entry.outcome)).toEqual(['held', 'forwarded'])
  })

  // Node's fetch does not resend on a closed connection; Chromium would (see FaultMode 'hang').
  it('cuts held requests when the mode changes', async () => {
    proxy.setMode({ kind: 'hang' })
    const pending = fetch(`${proxy.url}/api/v1/validate`)
    await until(() => proxy.log.some((entry) => entry.outcome === 'held'))
    proxy.setMode({ kind: 'pass' })
    await expect(pending).rejects.toThrow(TypeError)
  })

  it('closes in under a second while holding a request', async () => {
    proxy.setMode({ kind: 'hang' })
    const pending = stateAfter(fetch(`${proxy.url}/api/v1/validate`), 5000)
    await until(() => proxy.log.some((entry) => entry.outcome === 'held'))
    const started = performance.now()
    await proxy.close()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await pending).toBe('rejected')
  })
})

describe('status: the server answers an error', () => {
  interface ErrorAnswer {
    status: number
    headers: Record<string, string>
    retryAfter: string | null
  }
  const answers: ErrorAnswer[] = [
    { status: 500, headers: {}, retryAfter: null },
    { status: 503, headers: { 'Retry-After': '5' }, retryAfter: '5' },
    { status: 429, headers: { 'Retry-After': '30' }, retryAfter: '30' },
  ]
  it.each(answers)(
    'answers $status with Retry-After $retryAfter',
    async ({ status, headers, retryAfter }) => {
      proxy.setMode({ kind: 'status', status, headers })
      const response = await fetch(`${proxy.url}/api/v1/validate`)
      expect(response.status).toBe(status)
      expect(response.headers.get('retry-after')).toBe(retryAfter)
      expect(await response.text()).toContain(String(status))
      expect(proxy.log).toMatchObject([{ outcome: 'faked', status }])
    },
  )

  it('sends the body and content type it is given', async () => {
    proxy.setMode({
      kind: 'status',
      status: 503,
      headers: { 'Content-Type': 'application/json' },
      body: '{"error":{"code":"maintenance"}}',
    })
    const response = await fetch(`${proxy.url}/api/v1/validate`)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({ error: { code: 'maintenance' } })
  })
})

describe('captivePortal: a hotel Wi-Fi login page answers instead', () => {
  it('answers 200 text/html with a login form, which is not JSON', async () => {
    proxy.setMode({ kind: 'captivePortal' })
    const response = await fetch(`${proxy.url}/api/v1/validate`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    const page = await response.text()
    expect(page).toContain('<form')
    expect(() => JSON.parse(page) as unknown).toThrow(SyntaxError)
  })
})

describe('garbage: 200 application/json that is not what the API sends', () => {
  it('answers a body that does not parse as JSON', async () => {
    proxy.setMode({ kind: 'garbage' })
    const response = await fetch(`${proxy.url}/api/v1/validate`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    await expect(response.json()).rejects.toThrow(SyntaxError)
  })

  it('answers JSON of the wrong shape with the wrongShape variant', async () => {
    proxy.setMode({ kind: 'garbage', variant: 'wrongShape' })
    const response = await fetch(`${proxy.url}/api/v1/validate`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { grant?: unknown }
    expect(typeof body.grant).not.toBe('string')
  })
})

describe('slow: latency and limited bandwidth', () => {
  // Lower bounds only: a busy machine can make anything slower, never faster.
  const latencyMs = 200
  const bytesPerSecond = 100_000

  beforeEach(() => {
    proxy.setMode({ kind: 'slow', latencyMs, bytesPerSecond })
  })

  it('delays each request by at least the latency', async () => {
    const started = performance.now()
    const response = await fetch(`${proxy.url}/api/v1/validate`)
    await response.arrayBuffer()
    expect(performance.now() - started).toBeGreaterThanOrEqual(latencyMs - 5)
    expect(proxy.log).toMatchObject([{ outcome: 'forwarded', status: 200 }])
  })

  it('throttles a 100 KB download to about the rate', async () => {
    const bytes = 100 * KB
    const started = performance.now()
    const response = await fetch(`${proxy.url}/api/v1/big?bytes=${bytes}`)
    const body = await response.arrayBuffer()
    const elapsed = performance.now() - started
    expect(body.byteLength).toBe(bytes)
    expect(elapsed).toBeGreaterThanOrEqual(latencyMs + 0.9 * ((bytes / bytesPerSecond) * 1000))
  })

  it('throttles a 50 KB upload to about the rate', async () => {
    const bytes = 50 * KB
    const started = performance.now()
    const response = await fetch(`${proxy.url}/api/v1/count`, {
      method: 'POST',
      body: 'u'.repeat(bytes),
    })
    expect(await response.json()).toEqual({ bytes })
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(latencyMs + 0.9 * ((bytes / bytesPerSecond) * 1000))
  })

  it('survives a client that gives up mid-download', async () => {
    const controller = new AbortController()
    const response = await fetch(`${proxy.url}/api/v1/big?bytes=${100 * KB}`, {
      signal: controller.signal,
    })
    const reading = response.arrayBuffer()
    await sleep(100)
    controller.abort()
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' })

    proxy.setMode({ kind: 'pass' })
    expect((await fetch(`${proxy.url}/api/v1/validate`)).status).toBe(200)
  })
})

describe('flap: the link comes and goes', () => {
  it('passes and refuses in turn, period by period from the setMode call', async () => {
    const periodMs = 250
    proxy.setMode({ kind: 'flap', periodMs })
    const setAt = performance.now()
    const outcomes: string[] = []
    // One request in the middle of each of three periods: pass, refuse, pass.
    for (const period of [0, 1, 2]) {
      await sleep(Math.max(0, setAt + (period + 0.5) * periodMs - performance.now()))
      outcomes.push(
        await fetch(`${proxy.url}/api/v1/validate`).then(
          (response) => `answered ${response.status}`,
          () => 'failed',
        ),
      )
    }
    expect(outcomes).toEqual(['answered 200', 'failed', 'answered 200'])
    expect(proxy.log.map((entry) => entry.outcome)).toEqual(['forwarded', 'refused', 'forwarded'])
  })
})

describe('paths: which requests the fault applies to', () => {
  it('faults /api/ by default and passes the app files', async () => {
    proxy.setMode({ kind: 'refuse' })
    expect((await fetch(`${proxy.url}/index.html`)).status).toBe(200)
    await expect(fetch(`${proxy.url}/api/v1/validate`)).rejects.toThrow(TypeError)
  })

  it('faults only the paths given, and passes /api/ then', async () => {
    proxy.setMode({ kind: 'status', status: 500 }, { paths: /^\/admin\// })
    expect((await fetch(`${proxy.url}/api/v1/validate`)).status).toBe(200)
    expect((await fetch(`${proxy.url}/admin/v1/licenses`)).status).toBe(500)
  })

  it('matches every time with a /g regex, which keeps state between test() calls', async () => {
    proxy.setMode({ kind: 'status', status: 500 }, { paths: /validate/g })
    const statuses = []
    for (let attempt = 0; attempt < 3; attempt += 1) {
      statuses.push((await fetch(`${proxy.url}/api/v1/validate`)).status)
    }
    expect(statuses).toEqual([500, 500, 500])
  })
})

describe('the log', () => {
  it('records every request with its outcome and status, and clearLog empties it', async () => {
    await fetch(`${proxy.url}/app.js`)
    proxy.setMode({ kind: 'status', status: 503 })
    await fetch(`${proxy.url}/api/v1/validate`)
    proxy.setMode({ kind: 'refuse' })
    await fetch(`${proxy.url}/api/v1/activate`, { method: 'POST', body: '{}' }).catch(() => null)

    const before = Date.now()
    expect(proxy.log).toMatchObject([
      { method: 'GET', path: '/app.js', outcome: 'forwarded', status: 200 },
      { method: 'GET', path: '/api/v1/validate', outcome: 'faked', status: 503 },
      { method: 'POST', path: '/api/v1/activate', outcome: 'refused' },
    ])
    for (const entry of proxy.log) expect(entry.at).toBeLessThanOrEqual(before)

    proxy.clearLog()
    expect(proxy.log).toEqual([])
  })

  it('rejects a mode that cannot work', () => {
    expect(() => proxy.setMode({ kind: 'slow', latencyMs: 0, bytesPerSecond: 0 })).toThrow(
      RangeError,
    )
    expect(() => proxy.setMode({ kind: 'flap', periodMs: 0 })).toThrow(RangeError)
  })
})
