import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { GrantBody, TestServer } from './helpers/testServer.ts'

// Regressions: the server stored a device's public JWK as sent and checked only its shape. A key
// off the curve, or a good key with members that forbid verifying (key_ops, use, alg), took a seat
// that no check could ever use again.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('a device key sent with members beside kty, crv, x and y', () => {
  it.each([
    ['key_ops ["sign"]', { key_ops: ['sign'] }],
    ['use "enc"', { use: 'enc' }],
    ['alg "ES384"', { alg: 'ES384' }],
    ['ext false and a kid', { ext: false, kid: 'mine' }],
  ])('activates with %s, and its device then passes a check', async (_what, extra) => {
    const license = await server.createLicense({ seats: 1 })
    const device = await server.makeDevice()
    const response = await server.post('/api/v1/activate', {
      licenseKey: license.key,
      device: {
        id: device.id,
        name: device.name,
        platform: device.platform,
        publicKey: { ...device.publicKey, ...extra },
      },
    })
    expect(response.status).toBe(200)
    const { grant } = await readJson<GrantBody>(response)
    expect((await server.validateOne(grant, device)).ok).toBe(true)
  })
})

describe('a device key that is not a point on P-256', () => {
  it('is refused as bad_request before the license key is even looked up, and takes no seat', async () => {
    const license = await server.createLicense({ seats: 1 })
    const device = await server.makeDevice()
    const before = await server.snapshot()
    for (const key of ['no-such-key', license.key]) {
      await expectError(
        await server.post('/api/v1/activate', {
          licenseKey: key,
          device: {
            id: device.id,
            name: device.name,
            platform: device.platform,
            publicKey: { ...device.publicKey, y: device.publicKey.x },
          },
        }),
        400,
        'bad_request',
      )
    }
    expect(await server.snapshot()).toEqual(before)
    // The seat is still there for the real key.
    await server.activateOk(license.key, device)
  })
})
