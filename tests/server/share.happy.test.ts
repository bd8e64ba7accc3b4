import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CREATE_SHARE, DAY, readJson, startTestServer, stopShare } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

interface Shared {
  id: string
  url: string
  title: string
  body: string
  createdAt: number
  expiresAt: number
}

async function shareOk(title: string, body: string) {
  const license = await server.createLicense()
  const device = await server.makeDevice()
  const { grant } = await server.activateOk(license.key, device)
  const response = await server.post('/api/v1/shares', {
    ...(await server.check(grant, device, CREATE_SHARE)),
    title,
    body,
  })
  expect(response.status).toBe(201)
  return { license, device, grant, share: await readJson<Shared>(response) }
}

describe('a pro device sharing a note', () => {
  it('gets an unguessable link that anyone can read without a license', async () => {
    const { share } = await shareOk('Groceries', 'milk\neggs')
    expect(share.id).toMatch(/^shr_[A-Za-z0-9_-]{22}$/)
    expect(share.url).toBe(`/s/${share.id}`)
    expect(share.expiresAt - share.createdAt).toBe(30 * DAY)

    const read = await server.request('GET', `/api/v1/shares/${share.id}`)
    expect(read.status).toBe(200)
    expect(read.headers.get('cache-control')).toBe('no-store')
    expect(await readJson<Shared>(read)).toEqual({
      id: share.id,
      title: 'Groceries',
      body: 'milk\neggs',
      createdAt: share.createdAt,
      expiresAt: share.expiresAt,
    })
  })

  it('can stop sharing, after which the link answers 404', async () => {
    const { share, grant, device } = await shareOk('Draft', 'secret plans')
    const stopped = await server.request('DELETE', `/api/v1/shares/${share.id}`, {
      body: await server.check(grant, device, stopShare(share.id)),
    })
    expect(stopped.status).toBe(204)
    expect((await server.request('GET', `/api/v1/shares/${share.id}`)).status).toBe(404)
  })

  it('stops serving the link after 30 days', async () => {
    const { share } = await shareOk('Old', 'old news')
    server.clock.advance(30 * DAY)
    const read = await server.request('GET', `/api/v1/shares/${share.id}`)
    expect(read.status).toBe(410)
    server.clock.advance(-30 * DAY)
  })

  it('stops serving the link once the license is revoked', async () => {
    const { share, license } = await shareOk('Kept', 'until revoked')
    await server.admin('POST', `/licenses/${license.id}/revoke`, { reason: 'chargeback' })
    const read = await server.request('GET', `/api/v1/shares/${share.id}`)
    expect(read.status).toBe(410)
    expect((await read.json()) as unknown).toMatchObject({ error: { code: 'gone' } })
  })
})
