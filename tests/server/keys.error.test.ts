import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../server/app.ts'
import { expectError, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('key rotation on a server that keeps the root key elsewhere', () => {
  it('answers 409 conflict, writes no signing key, and keeps signing with the current one', async () => {
    const offline = createApp(server.data.deps({ rootPrivateKey: undefined }))
    const before = await server.snapshot()
    const response = await offline.request('/admin/v1/keys/rotate', {
      method: 'POST',
      headers: { authorization: `Bearer ${server.data.adminToken}` },
    })
    const refused = await expectError(response, 409, 'conflict')
    expect(refused.error.message).toMatch(/root/)
    expect(await server.snapshot()).toEqual(before)
  })
})
