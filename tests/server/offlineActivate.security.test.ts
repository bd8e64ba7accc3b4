import { base64url } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequestCode } from '../../src/core/index.ts'
import type { ActivationRequest } from '../../src/core/index.ts'
import { expectError, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer } from './helpers/testServer.ts'

let server: TestServer
let license: CreatedLicense

beforeAll(async () => {
  server = await startTestServer()
  license = await server.createLicense()
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

/** Replaces the payload of a signed request code, keeping its header and signature. */
function withPayload(code: string, payload: unknown): string {
  const [header, , signature] = code.split('.')
  return `${header}.${base64url.encode(JSON.stringify(payload))}.${signature}`
}

async function expectProofInvalid(requestCode: string): Promise<void> {
  const before = await server.snapshot()
  await expectError(
    await server.post('/api/v1/offline/activate', { licenseKey: license.key, requestCode }),
    401,
    'proof_invalid',
  )
  expect(await server.snapshot()).toEqual(before)
}

describe('request codes that must not produce a license file', () => {
  it('refuses a request code whose device id was changed after signing', async () => {
    const device = await server.makeDevice()
    const request = requestOf(device)
    const code = await createRequestCode(request, device.privateKey)
    await expectProofInvalid(withPayload(code, { ...request, dev: 'someone-else' }))
  })

  it('refuses a request code whose key was swapped for another device key', async () => {
    const device = await server.makeDevice()
    const attacker = await server.makeDevice()
    const request = requestOf(device)
    const code = await createRequestCode(request, device.privateKey)
    await expectProofInvalid(withPayload(code, { ...request, jwk: attacker.publicKey }))
  })

  it('refuses a request code naming one key but signed by another', async () => {
    const device = await server.makeDevice()
    const other = await server.makeDevice()
    await expectProofInvalid(await createRequestCode(requestOf(device), other.privateKey))
  })

  it('refuses a request code with a flipped signature byte', async () => {
    const device = await server.makeDevice()
    const code = await createRequestCode(requestOf(device), device.privateKey)
    const last = code.at(-2) === 'A' ? 'B' : 'A'
    await expectProofInvalid(`${code.slice(0, -2)}${last}${code.slice(-1)}`)
  })

  it('refuses a request code older than 30 days', async () => {
    const device = await server.makeDevice()
    const ts = Math.floor(server.clock.now() / 1000) - 31 * 86_400
    await expectProofInvalid(await createRequestCode(requestOf(device, { ts }), device.privateKey))
  })

  it('refuses a request code dated in the future', async () => {
    const device = await server.makeDevice()
    const ts = Math.floor(server.clock.now() / 1000) + 3600
    await expectProofInvalid(await createRequestCode(requestOf(device, { ts }), device.privateKey))
  })

  it('refuses a grant presented as a request code', async () => {
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    await expectProofInvalid(grant)
  })
})

describe('regression: offline activation stored device ids that online activation refuses', () => {
  it.each(['my laptop', 'a/../b', 'nul\u0000byte', 'caf\u00e9'])(
    'refuses the device id %j that online activation refuses too, with bad_request',
    async (dev) => {
      const device = await server.makeDevice()
      const online = await server.activate(license.key, { ...device, id: dev })
      await expectError(online, 400, 'bad_request')
      const requestCode = await createRequestCode(requestOf(device, { dev }), device.privateKey)
      const before = await server.snapshot()
      await expectError(
        await server.post('/api/v1/offline/activate', { licenseKey: license.key, requestCode }),
        400,
        'bad_request',
      )
      expect(await server.snapshot()).toEqual(before)
    },
  )
})
