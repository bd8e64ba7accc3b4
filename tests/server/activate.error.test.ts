import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DAY, expectError, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('activation refused by the state of the license', () => {
  it.each([
    ['revoked', 'revoke', 'license_revoked'],
    ['suspended', 'suspend', 'license_suspended'],
  ] as const)('refuses a %s license with %s and writes no device', async (_state, action, code) => {
    const license = await server.createLicense()
    expect((await server.admin('POST', `/licenses/${license.id}/${action}`)).status).toBe(200)
    const before = await server.snapshot()
    await expectError(await server.activate(license.key, await server.makeDevice()), 403, code)
    expect(await server.snapshot()).toEqual(before)
  })

  it('refuses a license whose term has ended with license_expired', async () => {
    const license = await server.createLicense({ termEnd: server.clock.now() + DAY })
    await server.activateOk(license.key, await server.makeDevice())
    server.clock.advance(DAY)
    const before = await server.snapshot()
    await expectError(
      await server.activate(license.key, await server.makeDevice()),
      403,
      'license_expired',
    )
    expect(await server.snapshot()).toEqual(before)
  })

  it('activates again once a suspended license is reinstated', async () => {
    const license = await server.createLicense()
    await server.admin('POST', `/licenses/${license.id}/suspend`)
    await expectError(
      await server.activate(license.key, await server.makeDevice()),
      403,
      'license_suspended',
    )
    await server.admin('POST', `/licenses/${license.id}/reinstate`)
    expect((await server.activate(license.key, await server.makeDevice())).status).toBe(200)
  })
})

describe('activation refused for the key or the seats', () => {
  it('answers license_key_invalid for a well-formed key no license has', async () => {
    const license = await server.createLicense()
    const unknown = license.key.split('-').reverse().join('-')
    const before = await server.snapshot()
    await expectError(
      await server.activate(unknown, await server.makeDevice()),
      403,
      'license_key_invalid',
    )
    expect(await server.snapshot()).toEqual(before)
  })

  it('writes nothing when the seats are all taken', async () => {
    const license = await server.createLicense({ seats: 1 })
    await server.activateOk(license.key, await server.makeDevice())
    const before = await server.snapshot()
    const counts = await server.data.store.counts()
    const refused = await expectError(
      await server.activate(license.key, await server.makeDevice()),
      409,
      'seat_limit_reached',
    )
    expect(refused.error.message).toMatch(/seat/)
    expect(await server.data.store.counts()).toEqual(counts)
    expect(await server.snapshot()).toEqual(before)
  })

  it('keeps refusing at the limit no matter how often a new device tries', async () => {
    const license = await server.createLicense({ seats: 1 })
    await server.activateOk(license.key, await server.makeDevice())
    for (let i = 0; i < 5; i++) {
      await expectError(
        await server.activate(license.key, await server.makeDevice()),
        409,
        'seat_limit_reached',
      )
    }
    expect(await server.data.store.listDevices(license.id)).toHaveLength(1)
  })
})
