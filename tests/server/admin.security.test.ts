import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import { expectError, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer } from './helpers/testServer.ts'

let server: TestServer
let license: CreatedLicense
let device: Device

beforeAll(async () => {
  server = await startTestServer()
  license = await server.createLicense()
  device = await server.makeDevice()
  await server.activateOk(license.key, device)
})

afterAll(async () => {
  await server.close()
})

interface AdminAction {
  name: string
  method: string
  path: () => string
  body?: unknown
}

const actions: AdminAction[] = [
  {
    name: 'create a license',
    method: 'POST',
    path: () => '/admin/v1/licenses',
    body: { product: 'notes', plan: 'pro', seats: 1000 },
  },
  {
    name: 'revoke a license',
    method: 'POST',
    path: () => `/admin/v1/licenses/${license.id}/revoke`,
    body: {},
  },
  { name: 'rotate the signing key', method: 'POST', path: () => '/admin/v1/keys/rotate' },
  {
    name: 'renew a license',
    method: 'POST',
    path: () => `/admin/v1/licenses/${license.id}/renew`,
    body: { termEnd: 4_000_000_000_000 },
  },
  {
    name: 'remove a device',
    method: 'DELETE',
    path: () => `/admin/v1/licenses/${license.id}/devices/${device.id}`,
  },
  {
    name: 'publish a manifest',
    method: 'PUT',
    path: () => '/admin/v1/manifest',
    body: DEMO_MANIFEST,
  },
  { name: 'list licenses', method: 'GET', path: () => '/admin/v1/licenses' },
  { name: 'read a license', method: 'GET', path: () => `/admin/v1/licenses/${license.id}` },
]

const credentials: { name: string; headers: () => Record<string, string> }[] = [
  { name: 'no Authorization header', headers: () => ({}) },
  { name: 'a wrong token', headers: () => ({ authorization: 'Bearer lwa_not-the-admin-token' }) },
  {
    name: 'the token in another case',
    headers: () => ({ authorization: `Bearer ${flipCase(server.data.adminToken)}` }),
  },
  {
    name: 'the token minus its last character',
    headers: () => ({ authorization: `Bearer ${server.data.adminToken.slice(0, -1)}` }),
  },
  {
    name: 'the token with a character appended',
    headers: () => ({ authorization: `Bearer ${server.data.adminToken}x` }),
  },
  {
    name: 'the token in Basic scheme',
    headers: () => ({
      authorization: `Basic ${Buffer.from(`admin:${server.data.adminToken}`).toString('base64')}`,
    }),
  },
  { name: 'the token with no scheme', headers: () => ({ authorization: server.data.adminToken }) },
  {
    name: 'the token in a Token scheme',
    headers: () => ({ authorization: `Token ${server.data.adminToken}` }),
  },
  { name: 'an empty Bearer', headers: () => ({ authorization: 'Bearer ' }) },
  { name: 'the token in a cookie', headers: () => ({ cookie: `token=${server.data.adminToken}` }) },
]

function flipCase(text: string): string {
  return [...text].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')
}

const cases = actions.flatMap((action) => credentials.map((credential) => ({ action, credential })))

describe('admin routes without the admin token', () => {
  it.each(cases)(
    'refuses to $action.name with $credential.name: 401 unauthorized, nothing changes',
    async ({ action, credential }) => {
      const before = await server.snapshot()
      const response = await server.request(action.method, action.path(), {
        body: action.body,
        headers: credential.headers(),
      })
      await expectError(response, 401, 'unauthorized')
      expect(await server.snapshot()).toEqual(before)
    },
  )

  it('refuses an unknown admin path with 401 before saying it does not exist', async () => {
    await expectError(await server.request('GET', '/admin/v1/secrets'), 401, 'unauthorized')
  })

  it('does the same actions with the admin token (the refusals above are the token, not the request)', async () => {
    const counts = await server.data.store.counts()
    for (const action of actions) {
      const response = await server.request(action.method, action.path(), {
        body: action.body,
        headers: { authorization: `Bearer ${server.data.adminToken}` },
      })
      expect(response.status, action.name).toBeLessThan(300)
    }
    const after = await server.data.store.counts()
    expect(after.licenses).toBe(counts.licenses + 1)
    expect(after.signing_keys).toBe(counts.signing_keys + 1)
    expect(after.manifests).toBe(counts.manifests + 1)
    expect((await server.data.store.findLicense(license.id))?.status).toBe('revoked')
  })
})
