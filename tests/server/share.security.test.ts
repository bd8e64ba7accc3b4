import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tamperedGrant } from './helpers/forge.ts'
import {
  CREATE_SHARE,
  DEACTIVATE,
  readJson,
  startTestServer,
  stopShare,
} from './helpers/testServer.ts'
import type { ApiErrorBody, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

async function share(body: unknown) {
  const response = await server.post('/api/v1/shares', body)
  return { status: response.status, body: await readJson<ApiErrorBody>(response) }
}

const note = { title: 'T', body: 'B' }

describe('creating a shared link', () => {
  it('Should not share - the free plan does not include share.link', async () => {
    const { grant, device } = await server.activated({ plan: 'free' })
    const answer = await share({ ...(await server.check(grant, device, CREATE_SHARE)), ...note })
    expect(answer.status).toBe(403)
    expect(answer.body.error.code).toBe('feature_not_entitled')
    expect(answer.body.error.message).toContain('share.link')
  })

  it('Should not share - without a proof of the device key', async () => {
    const { grant } = await server.activated()
    const answer = await share({ grant, ...note })
    expect(answer.status).toBe(400)
  })

  it('Should not share - a proof signed by another device key', async () => {
    const { grant } = await server.activated()
    const other = await server.makeDevice()
    const answer = await share({
      grant,
      proof: await server.proof(grant, other, undefined, CREATE_SHARE),
      ...note,
    })
    expect(answer.body.error.code).toBe('proof_invalid')
  })

  it('Should not share - the same proof twice (replay)', async () => {
    const { grant, device } = await server.activated()
    const check = await server.check(grant, device, CREATE_SHARE)
    expect((await share({ ...check, ...note })).status).toBe(201)
    expect((await share({ ...check, ...note })).body.error.code).toBe('proof_invalid')
  })

  it('Should not share - a grant whose claims were edited to add share.link', async () => {
    const { grant, device } = await server.activated({ plan: 'free' })
    const forged = tamperedGrant(grant, { features: ['share.link'] })
    const answer = await share({
      grant: forged,
      proof: await server.proof(grant, device, undefined, CREATE_SHARE),
      ...note,
    })
    expect(answer.body.error.code).toBe('grant_invalid')
  })

  it('Should not share - a suspended license, even with a grant issued before', async () => {
    const { license, grant, device } = await server.activated()
    await server.admin('POST', `/licenses/${license.id}/suspend`, {})
    const answer = await share({ ...(await server.check(grant, device, CREATE_SHARE)), ...note })
    expect(answer.body.error.code).toBe('license_suspended')
  })

  it('Should not share - a device that was deactivated', async () => {
    const { grant, device } = await server.activated()
    expect(
      (await server.post('/api/v1/deactivate', await server.check(grant, device, DEACTIVATE)))
        .status,
    ).toBe(200)
    const answer = await share({ ...(await server.check(grant, device, CREATE_SHARE)), ...note })
    expect(answer.body.error.code).toBe('device_unknown')
  })

  it('Should not share - a body longer than 50,000 characters', async () => {
    const { grant, device } = await server.activated()
    const answer = await share({
      ...(await server.check(grant, device, CREATE_SHARE)),
      title: 'T',
      body: 'x'.repeat(50_001),
    })
    expect(answer.status).toBe(400)
  })
})

describe('reading and removing a shared link', () => {
  it('Should not read - a malformed id is 404 without touching storage', async () => {
    const response = await server.request('GET', '/api/v1/shares/..%2F..%2Fetc')
    expect(response.status).toBe(404)
  })

  it('Should not remove - another license cannot stop someone else’s share', async () => {
    const owner = await server.activated()
    const created = await server.post('/api/v1/shares', {
      ...(await server.check(owner.grant, owner.device, CREATE_SHARE)),
      ...note,
    })
    const { id } = await readJson<{ id: string }>(created)
    const stranger = await server.activated()
    const removed = await server.request('DELETE', `/api/v1/shares/${id}`, {
      body: await server.check(stranger.grant, stranger.device, stopShare(id)),
    })
    expect(removed.status).toBe(404)
    expect((await server.request('GET', `/api/v1/shares/${id}`)).status).toBe(200)
  })
})
