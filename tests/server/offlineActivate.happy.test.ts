import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequestCode, decodeLicenseFile } from '../../src/core/index.ts'
import type { ActivationRequest } from '../../src/core/index.ts'
import { expectError, grantOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { Device, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

function requestOf(device: Device, overrides: Partial<ActivationRequest> = {}): ActivationRequest {
  return {
    dev: device.id,
    jwk: device.publicKey,
    ts: Math.floor(server.clock.now() / 1000),
    name: 'Air-gapped workstation',
    platform: 'windows',
    ...overrides,
  }
}

async function offlineActivate(licenseKey: string, requestCode: string): Promise<Response> {
  return server.post('/api/v1/offline/activate', { licenseKey, requestCode })
}

describe('air-gapped activation with a request code', () => {
  it('answers a license file whose grant verifies and is bound to the requesting device key', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const requestCode = await createRequestCode(requestOf(device), device.privateKey)

    const response = await offlineActivate(license.key, requestCode)
    expect(response.status).toBe(200)
    const { licenseFile } = await readJson<{ licenseFile: string }>(response)
    const file = decodeLicenseFile(licenseFile)
    expect(file.serverTime).toBe(server.clock.now())
    const claims = await server.verify(file.grant, file.certs)
    expect(claims).toMatchObject({
      status: 'active',
      sub: license.id,
      dev: device.id,
      cnf: { jkt: device.jkt },
      plan: 'pro',
    })

    const [row] = await server.data.store.listDevices(license.id)
    expect(row).toMatchObject({
      device_id: device.id,
      jkt: device.jkt,
      name: 'Air-gapped workstation',
      state: 'active',
    })
  })

  it('lets the device, once connected, check in with the grant from its license file', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const requestCode = await createRequestCode(requestOf(device), device.privateKey)
    const file = decodeLicenseFile(
      (await readJson<{ licenseFile: string }>(await offlineActivate(license.key, requestCode)))
        .licenseFile,
    )
    const next = await server.verify(
      grantOf(await server.validateOne(file.grant, device)),
      file.certs,
    )
    expect(next.status).toBe('active')
  })

  it('accepts a request code broken over lines, as printed and typed back', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const requestCode = await createRequestCode(requestOf(device), device.privateKey)
    const printed = requestCode.match(/.{1,64}/g)?.join('\n') ?? requestCode
    expect(printed).toContain('\n')
    expect((await offlineActivate(license.key, printed)).status).toBe(200)
  })

  it('accepts a request code made 29 days before it reaches the server', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const ts = Math.floor(server.clock.now() / 1000) - 29 * 86_400
    const requestCode = await createRequestCode(requestOf(device, { ts }), device.privateKey)
    expect((await offlineActivate(license.key, requestCode)).status).toBe(200)
  })

  it('takes a seat like an online activation, and refuses past the seat limit', async () => {
    const license = await server.createLicense({ seats: 1 })
    await server.activateOk(license.key, await server.makeDevice())
    const device = await server.makeDevice()
    const requestCode = await createRequestCode(requestOf(device), device.privateKey)
    await expectError(await offlineActivate(license.key, requestCode), 409, 'seat_limit_reached')
  })
})
