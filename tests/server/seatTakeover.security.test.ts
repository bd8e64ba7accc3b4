import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequestCode } from '../../src/core/index.ts'
import { DEACTIVATE, claimsOf, expectError, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer } from './helpers/testServer.ts'

// Issue #11, item 3: a device id is no secret (the license panel shows it, request codes carry it),
// and with the license key it was enough to re-bind a victim's seat to an attacker's key. A device
// id that holds a seat now stays bound to its key; only a released or removed id binds anew.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

async function victimOf(
  license: CreatedLicense,
): Promise<{ victim: Device; grant: string; seats: number }> {
  const victim = await server.makeDevice()
  const grant = (await server.activateOk(license.key, victim)).grant
  return { victim, grant, seats: await seatsTaken(license) }
}

async function seatsTaken(license: CreatedLicense): Promise<number> {
  const devices = await server.data.store.listDevices(license.id)
  return devices.filter((device) => device.state === 'active').length
}

function requestCodeOf(device: Device): Promise<string> {
  const request = {
    dev: device.id,
    jwk: device.publicKey,
    ts: Math.floor(server.clock.now() / 1000),
    name: 'Attacker',
    platform: 'linux',
  }
  return createRequestCode(request, device.privateKey)
}

describe('a device id that holds a seat', () => {
  it('Should not move a seat to another key by online activation - 409 conflict, nothing written, the victim keeps checking in', async () => {
    const license = await server.createLicense()
    const { victim, grant } = await victimOf(license)
    const attacker = await server.makeDevice(victim.id)
    const before = await server.snapshot()

    await expectError(await server.activate(license.key, attacker), 409, 'conflict')

    expect(await server.snapshot()).toEqual(before)
    expect((await server.validateOne(grant, victim)).ok).toBe(true)
  })

  it('Should not move a seat to another key by offline activation - 409 conflict, nothing written, the victim keeps checking in', async () => {
    const license = await server.createLicense()
    const { victim, grant } = await victimOf(license)
    const attacker = await server.makeDevice(victim.id)
    const before = await server.snapshot()

    const response = await server.post('/api/v1/offline/activate', {
      licenseKey: license.key,
      requestCode: await requestCodeOf(attacker),
    })
    await expectError(response, 409, 'conflict')

    expect(await server.snapshot()).toEqual(before)
    expect((await server.validateOne(grant, victim)).ok).toBe(true)
  })

  it('activates again with its own key without taking another seat', async () => {
    const license = await server.createLicense()
    const { victim, seats } = await victimOf(license)
    const again = (await server.activateOk(license.key, victim)).grant
    expect(claimsOf(again).cnf.jkt).toBe(victim.jkt)
    expect(await seatsTaken(license)).toBe(seats)
  })

  it('binds a new key once the device deactivated itself, and the old grant no longer checks in', async () => {
    const license = await server.createLicense()
    const { victim, grant } = await victimOf(license)
    const released = await server.post(
      '/api/v1/deactivate',
      await server.check(grant, victim, DEACTIVATE),
    )
    expect(released.status).toBe(200)

    const successor = await server.makeDevice(victim.id)
    const bound = (await server.activateOk(license.key, successor)).grant
    expect(claimsOf(bound).cnf.jkt).toBe(successor.jkt)
    expect((await server.validateOne(grant, victim)).ok).toBe(false)
  })

  it('binds a new key once the vendor removed the device', async () => {
    const license = await server.createLicense()
    const { victim } = await victimOf(license)
    const removed = await server.admin('DELETE', `/licenses/${license.id}/devices/${victim.id}`)
    expect(removed.status).toBeLessThan(300)

    const successor = await server.makeDevice(victim.id)
    expect(claimsOf((await server.activateOk(license.key, successor)).grant).cnf.jkt).toBe(
      successor.jkt,
    )
  })

  it('binds exactly one of five keys that race for one new device id', async () => {
    const license = await server.createLicense({ seats: 10 })
    const contenders = await Promise.all(
      Array.from({ length: 5 }, () => server.makeDevice('dev_contested')),
    )
    const responses = await Promise.all(
      contenders.map((device) => server.activate(license.key, device)),
    )
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409, 409, 409, 409])
    expect(await seatsTaken(license)).toBe(1)
  })
})
