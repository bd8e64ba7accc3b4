import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signProof } from '../../src/core/index.ts'
import type { ProofEndpoint } from '../../src/core/index.ts'
import {
  CREATE_SHARE,
  DEACTIVATE,
  VALIDATE,
  claimsOf,
  expectError,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { Device, TestServer, ValidateBody } from './helpers/testServer.ts'

// Issue #11, item 8c: a proof named no request, so one handed to a page for a shared link (or to a
// vendor's API) could free the device's seat at deactivate. Proofs now name their method and path,
// as DPoP's htm and htu do; an unbound one, from a worker not yet updated, still renews a grant.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

function proofFor(grant: string, device: Device, endpoint: ProofEndpoint | object) {
  const ts = Math.floor(server.clock.now() / 1000)
  return signProof({ jti: claimsOf(grant).jti, ts, ...endpoint }, device.privateKey)
}

async function stateOf(licenseId: string, deviceId: string): Promise<string | undefined> {
  return (await server.data.store.findDevice(licenseId, deviceId))?.state
}

async function validateCode(grant: string, proof: string): Promise<string> {
  const response = await server.validate([{ grant, proof }])
  const [result] = (await readJson<ValidateBody>(response)).results
  return result?.ok ? 'ok' : (result?.error.code ?? 'none')
}

describe('deactivate', () => {
  it.each<[string, ProofEndpoint | object]>([
    ['made for a shared link', CREATE_SHARE],
    ['made for validate', VALIDATE],
    ['that names no request', {}],
  ])(
    'Should not free the seat with a proof %s - 401 proof_invalid, the device stays active',
    async (_, endpoint) => {
      const { device, grant, license } = await server.activated()
      const proof = await proofFor(grant, device, endpoint)
      await expectError(
        await server.post('/api/v1/deactivate', { grant, proof }),
        401,
        'proof_invalid',
      )
      expect(await stateOf(license.id, device.id)).toBe('active')
    },
  )

  it('frees the seat with a proof made for it', async () => {
    const { device, grant, license } = await server.activated()
    const proof = await proofFor(grant, device, DEACTIVATE)
    expect((await server.post('/api/v1/deactivate', { grant, proof })).status).toBe(200)
    expect(await stateOf(license.id, device.id)).toBe('released')
  })
})

describe('validate', () => {
  it('Should not check in with a proof made for a shared link or for deactivate - proof_invalid', async () => {
    const { device, grant } = await server.activated()
    expect(await validateCode(grant, await proofFor(grant, device, CREATE_SHARE))).toBe(
      'proof_invalid',
    )
    expect(await validateCode(grant, await proofFor(grant, device, DEACTIVATE))).toBe(
      'proof_invalid',
    )
  })

  it('still renews with an unbound proof, as workers installed before sign them', async () => {
    const { device, grant } = await server.activated()
    expect(await validateCode(grant, await proofFor(grant, device, {}))).toBe('ok')
  })

  it('renews with a proof of the path the worker called under a proxy’s prefix', async () => {
    const { device, grant } = await server.activated()
    const prefixed = { htm: 'POST', htu: '/license/api/v1/validate' }
    expect(await validateCode(grant, await proofFor(grant, device, prefixed))).toBe('ok')
  })
})

describe('shared links', () => {
  it('Should not share with a proof that names no request, or another one - proof_invalid', async () => {
    const { device, grant } = await server.activated()
    for (const endpoint of [{}, VALIDATE, { htm: 'DELETE', htu: '/api/v1/shares' }]) {
      const proof = await proofFor(grant, device, endpoint)
      await expectError(
        await server.post('/api/v1/shares', { grant, proof, title: 'T', body: 'x' }),
        401,
        'proof_invalid',
      )
    }
  })
})
