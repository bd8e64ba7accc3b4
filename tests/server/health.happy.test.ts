import { afterEach, describe, expect, it } from 'vitest'
import { expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('GET /healthz', () => {
  it('answers ok while the database answers and a signing key is loaded', async () => {
    server = await startTestServer()
    const response = await server.request('GET', '/healthz')
    expect(response.status).toBe(200)
    expect(await readJson<unknown>(response)).toEqual({ ok: true })
  })

  it('answers 503 once the database is gone', async () => {
    const running = await startTestServer()
    server = running
    await running.data.store.close()
    // close() below would close the store a second time: Kysely allows it.
    const response = await running.request('GET', '/healthz')
    expect(response.status).toBe(503)
    expect(await readJson<unknown>(response)).toEqual({ ok: false })
  })
})

describe('unknown paths', () => {
  it.each(['/api/v1/nothing', '/api/v2/activate', '/nothing'])(
    'answers %s with 404 not_found as JSON',
    async (path) => {
      server = await startTestServer()
      await expectError(await server.request('GET', path), 404, 'not_found')
    },
  )
})
