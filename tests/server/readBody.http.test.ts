import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import { startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

// Bodies through a real port: under @hono/node-server the server reads them from Node's request
// stream, not through the fetch Request the in-process suites use. Sizes and shapes that a
// client or an attacker can send, each answered with the stable code and nothing else broken.

let server: TestServer
let running: RunningServer

beforeAll(async () => {
  server = await startTestServer()
  running = await listen(server.data, { port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await running.close()
  await server.close()
})

interface Answer {
  status: number
  body: string
}

/** POSTs `chunks` one write at a time; with `length` undefined, as chunked transfer encoding. */
function post(path: string, chunks: string[], length?: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(path, running.url),
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          ...(length === undefined ? {} : { 'content-length': length }),
        },
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      },
    )
    // The server may answer (413) and stop reading before the rest is written.
    outgoing.on('error', reject)
    for (const chunk of chunks) outgoing.write(chunk)
    outgoing.end()
  })
}

const errorCode = (answer: Answer) =>
  (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code

describe('request bodies over HTTP', () => {
  it('reads a JSON body sent in many small chunks, without a Content-Length', async () => {
    const text = JSON.stringify({ licenseKey: 'not-a-key', device: {} })
    const chunks = text.match(/.{1,7}/g) ?? []
    const answer = await post('/api/v1/activate', chunks)
    // Read whole and parsed: the schema names the field at fault, not "not valid JSON".
    expect(answer.status).toBe(400)
    expect(errorCode(answer)).toBe('bad_request')
    expect(answer.body).toContain('device')
  })

  it('refuses a declared Content-Length over the limit with 413 before reading it', async () => {
    const answer = await post('/api/v1/activate', ['{}'], 64 * 1024 + 1).catch(
      (error: NodeJS.ErrnoException) => ({ status: -1, body: error.code ?? '' }),
    )
    expect(answer.status).toBe(413)
    expect(errorCode(answer)).toBe('body_too_large')
  })

  it('refuses a chunked body that grows past the limit with 413, and keeps serving', async () => {
    const chunk = `"${'a'.repeat(16 * 1024)}",`
    const answer = await post('/api/v1/activate', [
      '{"pad":[',
      ...Array.from({ length: 6 }, () => chunk),
      '""]}',
    ])
    expect(answer.status).toBe(413)
    expect(answer.body).toContain('larger than 65536 bytes')
    const after = await post('/api/v1/activate', ['{}'])
    expect(after.status).toBe(400)
  })

  it('takes a validate body of up to 1 MiB, as 100 checks need', async () => {
    const check = { grant: 'x'.repeat(900), proof: 'y'.repeat(300) }
    const body = JSON.stringify({ checks: Array.from({ length: 100 }, () => check) })
    expect(body.length).toBeGreaterThan(64 * 1024)
    const answer = await post('/api/v1/validate', [body], Buffer.byteLength(body))
    // Parsed and checked one by one: each is refused as a grant, none as a body too large.
    expect(answer.status).toBe(200)
    const results = (JSON.parse(answer.body) as { results: { error: { code: string } }[] }).results
    expect(results).toHaveLength(100)
    expect(new Set(results.map((result) => result.error.code))).toEqual(new Set(['grant_invalid']))
  })

  it('refuses truncated JSON and a NUL escape, as in process', async () => {
    expect(errorCode(await post('/api/v1/activate', ['{"a":'], undefined))).toBe('bad_request')
    const nul = await post('/api/v1/activate', ['{"licenseKey":"a\\u0000b"}'])
    expect(nul.status).toBe(400)
    expect(nul.body).toContain('U+0000')
  })
})
