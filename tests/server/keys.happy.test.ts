import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyRing } from '../../src/core/index.ts'
import { kidOf } from './helpers/forge.ts'
import { claimsOf, grantOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer, ValidateBody } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

interface KeysBody {
  certs: string[]
  serverTime: number
}

describe('GET /api/v1/keys', () => {
  it('lists the signing-key certificates, each signed by the root, with the server time', async () => {
    const response = await server.request('GET', '/api/v1/keys')
    expect(response.status).toBe(200)
    const body = await readJson<KeysBody>(response)
    expect(body.serverTime).toBe(server.clock.now())
    expect(body.certs).toHaveLength(1)
    const ring = await createKeyRing(server.data.rootPublicJwk, body.certs)
    expect(ring.rejected).toEqual([])
    expect(ring.certificates.map((cert) => cert.kid)).toEqual([
      (await server.data.keys.signer()).kid,
    ])
  })
})

describe('signing-key rotation', () => {
  it('keeps old grants verifying, re-signs them with the new kid, and signs new activations with it', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const { grant: oldGrant } = await server.activateOk(license.key, device)
    const oldKid = kidOf(oldGrant)

    const rotated = await server.admin('POST', '/keys/rotate')
    expect(rotated.status).toBe(201)
    const { kid: newKid, certs } = await readJson<{ kid: string; certs: string[] }>(rotated)
    expect(newKid).not.toBe(oldKid)
    expect(certs).toHaveLength(2)

    // A device that only has the new certificate list still trusts the grant it holds.
    const old = await server.verify(oldGrant, certs)
    expect(old.jti).toBe(claimsOf(oldGrant).jti)

    const body = await readJson<ValidateBody>(
      await server.validate([await server.check(oldGrant, device)]),
    )
    const fresh = grantOf(body.results[0])
    expect(kidOf(fresh)).toBe(newKid)
    expect((await server.verify(fresh, body.certs)).status).toBe('active')
    expect(body.certs).toEqual(certs)

    const { grant: activation } = await server.activateOk(license.key, await server.makeDevice())
    expect(kidOf(activation)).toBe(newKid)

    const keys = await readJson<KeysBody>(await server.request('GET', '/api/v1/keys'))
    const ring = await createKeyRing(server.data.rootPublicJwk, keys.certs)
    expect(ring.certificates.map((cert) => cert.kid)).toEqual([oldKid, newKid])
  })

  it('records the rotation in the database: one more signing key', async () => {
    const before = await server.data.store.counts()
    expect((await server.admin('POST', '/keys/rotate')).status).toBe(201)
    const after = await server.data.store.counts()
    expect(after.signing_keys).toBe(before.signing_keys + 1)
  })
})
