import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimsOf, expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, GrantBody, TestServer } from './helpers/testServer.ts'

// Issue #13: a vendor's app sends the product it is (`product` in an activation), so that a key
// bought for another of the vendor's products never takes a seat and puts a grant for that other
// product on the device. Optional: workers built before it send none and keep activating.

let server: TestServer

// Two activations per license at once: enough to show that refused products do not spend them.
const ACTIVATIONS_PER_LICENSE = 2

beforeAll(async () => {
  server = await startTestServer({
    limits: { activationsPerLicense: { capacity: ACTIVATIONS_PER_LICENSE, perMinute: 1 } },
  })
})

afterAll(async () => {
  await server.close()
})

function activate(licenseKey: string, device: Device, product?: string): Promise<Response> {
  const { id, name, platform, publicKey } = device
  return server.post('/api/v1/activate', {
    licenseKey,
    device: { id, name, platform, publicKey },
    ...(product === undefined ? {} : { product }),
  })
}

async function offlineActivate(licenseKey: string, product: string): Promise<Response> {
  const requestCode = await server.requestCode(await server.makeDevice())
  return server.post('/api/v1/offline/activate', { licenseKey, requestCode, product })
}

/** Fails unless `send` is refused with product_mismatch naming `notes`, and wrote nothing. */
async function expectMismatch(license: CreatedLicense, send: () => Promise<Response>) {
  const before = await server.snapshot()
  const counts = await server.data.store.counts()
  const refused = await expectError(await send(), 403, 'product_mismatch')
  expect(refused.error.details).toEqual({ product: 'notes' })
  expect(await server.data.store.counts()).toEqual(counts)
  expect(await server.data.store.listDevices(license.id)).toHaveLength(0)
  expect(await server.snapshot()).toEqual(before)
}

describe('an activation that names its product', () => {
  it('activates with a key of that product, and the grant is for it', async () => {
    const license = await server.createLicense()
    const response = await activate(license.key, await server.makeDevice(), 'notes')
    expect(response.status).toBe(200)
    expect(claimsOf((await readJson<GrantBody>(response)).grant).aud).toBe('notes')
  })

  it('activates as before when it names none (workers built before the field)', async () => {
    const license = await server.createLicense()
    expect((await activate(license.key, await server.makeDevice())).status).toBe(200)
  })

  it('refuses a key of another product with product_mismatch, takes no seat and writes nothing', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    await expectMismatch(license, () => activate(license.key, device, 'sheets'))
  })

  it('refuses an air-gapped activation for another product the same way', async () => {
    const license = await server.createLicense()
    await expectMismatch(license, () => offlineActivate(license.key, 'sheets'))
  })

  it('does not spend the activations of the license: its users still activate afterwards', async () => {
    const license = await server.createLicense()
    for (let i = 0; i < ACTIVATIONS_PER_LICENSE + 3; i++) {
      await expectError(
        await activate(license.key, await server.makeDevice(), 'sheets'),
        403,
        'product_mismatch',
      )
    }
    for (let i = 0; i < ACTIVATIONS_PER_LICENSE; i++)
      expect((await activate(license.key, await server.makeDevice(), 'notes')).status).toBe(200)
  })

  it('tells of a key no license has only that it is invalid, whatever product it names', async () => {
    const license = await server.createLicense()
    const unknown = license.key.split('-').reverse().join('-')
    const refused = await expectError(
      await activate(unknown, await server.makeDevice(), 'sheets'),
      403,
      'license_key_invalid',
    )
    expect(refused.error.details).toBeUndefined()
  })

  it('says product_mismatch before the standing of the license: a revoked key of another product', async () => {
    const license = await server.createLicense()
    expect((await server.admin('POST', `/licenses/${license.id}/revoke`)).status).toBe(200)
    await expectMismatch(license, async () =>
      activate(license.key, await server.makeDevice(), 'sheets'),
    )
  })

  it.each([
    ['an empty product', ''],
    ['a product that is not an identifier', 'notes; drop table'],
    ['a product that is not a string', 7],
  ])('refuses %s as a bad request', async (_what, product) => {
    const license = await server.createLicense()
    const { id, name, platform, publicKey } = await server.makeDevice()
    await expectError(
      await server.post('/api/v1/activate', {
        licenseKey: license.key,
        device: { id, name, platform, publicKey },
        product,
      }),
      400,
      'bad_request',
    )
  })
})
