import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kidOf } from './helpers/forge.ts'
import { DAY, readJson, startTestServer } from './helpers/testServer.ts'
import type { GrantBody, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('a signing key whose certificate ends within a day', () => {
  it('signs nothing more (devices would refuse it); after a rotation the new key signs', async () => {
    const license = await server.createLicense({ termEnd: null })
    const oldKid = (await server.data.keys.signer(server.clock.now())).kid
    server.clock.advance(5 * 365 * DAY - DAY / 2)

    const refused = await server.activate(license.key, await server.makeDevice())
    expect(refused.status).toBe(500)
    expect((await server.request('GET', '/healthz')).status).toBe(503)

    expect((await server.admin('POST', '/keys/rotate')).status).toBe(201)
    const activated = await readJson<GrantBody>(
      await server.activate(license.key, await server.makeDevice()),
    )
    expect(kidOf(activated.grant)).not.toBe(oldKid)
  })
})
