import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { foreignGrant, kidOf, tamperedGrant } from './helpers/forge.ts'
import {
  DEACTIVATE,
  claimsOf,
  expectError,
  grantOf,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { CheckResult, TestServer, ValidateBody } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

async function results(response: Response): Promise<CheckResult[]> {
  expect(response.status).toBe(200)
  return (await readJson<ValidateBody>(response)).results
}

function codes(list: CheckResult[]): string[] {
  return list.map((result) => (result.ok ? 'ok' : result.error.code))
}

/** Expects the one check to fail with `code` and nothing in the database to change. */
async function expectRefused(check: { grant: string; proof: string }, code: string): Promise<void> {
  const before = await server.snapshot()
  const [result] = await results(await server.validate([check]))
  expect(result?.ok ? 'ok' : result?.error.code).toBe(code)
  if (result && !result.ok) expect(result.error.message).not.toBe('')
  expect(await server.snapshot()).toEqual(before)
}

describe('proof of possession', () => {
  it('refuses a replayed proof with proof_invalid', async () => {
    const { device, grant } = await server.activated()
    const check = await server.check(grant, device)
    expect(codes(await results(await server.validate([check])))).toEqual(['ok'])
    await expectRefused(check, 'proof_invalid')
  })

  it('refuses a proof used twice in one batch, the second time', async () => {
    const { device, grant } = await server.activated()
    const check = await server.check(grant, device)
    expect(codes(await results(await server.validate([check, check])))).toEqual([
      'ok',
      'proof_invalid',
    ])
  })

  it('lets exactly one of five concurrent replays of a proof through', async () => {
    const { device, grant } = await server.activated()
    const check = await server.check(grant, device)
    const all = await Promise.all(
      Array.from({ length: 5 }, async () => results(await server.validate([check]))),
    )
    expect(all.flatMap(codes).sort()).toEqual([
      'ok',
      'proof_invalid',
      'proof_invalid',
      'proof_invalid',
      'proof_invalid',
    ])
  })

  it("refuses a proof signed by another device's key", async () => {
    const { device, grant } = await server.activated()
    const thief = await server.makeDevice(device.id)
    await expectRefused({ grant, proof: await server.proof(grant, thief) }, 'proof_invalid')
  })

  it("refuses another activated device's proof for this grant", async () => {
    const { license, grant } = await server.activated()
    const other = await server.makeDevice()
    await server.activateOk(license.key, other)
    await expectRefused({ grant, proof: await server.proof(grant, other) }, 'proof_invalid')
  })

  it("refuses a proof made for another grant's jti", async () => {
    const { license, device, grant } = await server.activated()
    const { grant: otherGrant } = await server.activateOk(license.key, await server.makeDevice())
    await expectRefused({ grant, proof: await server.proof(otherGrant, device) }, 'proof_invalid')
  })

  it('refuses a grant presented as its own proof', async () => {
    const { grant } = await server.activated()
    await expectRefused({ grant, proof: grant }, 'proof_invalid')
  })
})

describe('grants the server did not sign as they are', () => {
  it('refuses a grant of another server (its own root and signing key) with grant_invalid', async () => {
    const { device, grant } = await server.activated()
    const forged = await foreignGrant(
      { ...claimsOf(grant), jti: 'forged-1' },
      { now: server.clock.now() },
    )
    const proof = await server.proof(forged.grant, device)
    await expectRefused({ grant: forged.grant, proof }, 'grant_invalid')
  })

  it("refuses a grant of another key that claims this server's kid", async () => {
    const { device, grant } = await server.activated()
    const kid = kidOf(grant)
    expect(typeof kid).toBe('string')
    const forged = await foreignGrant(
      { ...claimsOf(grant), jti: 'forged-2' },
      { now: server.clock.now(), kid: String(kid) },
    )
    expect(kidOf(forged.grant)).toBe(kid)
    await expectRefused(
      { grant: forged.grant, proof: await server.proof(forged.grant, device) },
      'grant_invalid',
    )
  })

  it.each([
    ['a suspended grant made active', { status: 'active' as const }],
    ['a grant moved to another license', { sub: 'lic_someoneelse' }],
    ['a later term end', { exp: 4_000_000_000 }],
    [
      'more features',
      {
        features: ['notes.edit', 'notes.search', 'export.file', 'templates', 'share.link', 'admin'],
      },
    ],
  ])('refuses a real grant edited after signing: %s', async (_what, patch) => {
    const { license, device, grant } = await server.activated()
    await server.admin('POST', `/licenses/${license.id}/suspend`)
    const suspended = grantOf(
      (await results(await server.validate([await server.check(grant, device)])))[0],
    )
    const edited = tamperedGrant(suspended, patch)
    await expectRefused(
      { grant: edited, proof: await server.proof(edited, device) },
      'grant_invalid',
    )
  })

  it('refuses the old grant of a device that was released and activated again with a new key', async () => {
    const { license, device, grant } = await server.activated()
    expect(
      (await server.post('/api/v1/deactivate', await server.check(grant, device, DEACTIVATE)))
        .status,
    ).toBe(200)
    const rekeyed = await server.makeDevice(device.id)
    await server.activateOk(license.key, rekeyed)
    // Even signed by the old key it still holds, the old binding is gone.
    await expectRefused(await server.check(grant, device), 'grant_invalid')
  })

  it('refuses a revocation grant on deactivate too, when forged', async () => {
    const { device, grant } = await server.activated()
    const forged = await foreignGrant(
      { ...claimsOf(grant), jti: 'forged-3' },
      { now: server.clock.now() },
    )
    const before = await server.snapshot()
    await expectError(
      await server.post('/api/v1/deactivate', {
        grant: forged.grant,
        proof: await server.proof(forged.grant, device),
      }),
      401,
      'grant_invalid',
    )
    expect(await server.snapshot()).toEqual(before)
  })
})

describe('deactivation is only for the device that holds the key', () => {
  it("refuses to deactivate a device with another device's proof, and keeps its seat", async () => {
    const { license, device, grant } = await server.activated()
    const other = await server.makeDevice()
    await server.activateOk(license.key, other)
    const before = await server.snapshot()
    await expectError(
      await server.post('/api/v1/deactivate', { grant, proof: await server.proof(grant, other) }),
      401,
      'proof_invalid',
    )
    expect(await server.snapshot()).toEqual(before)
    const row = (await server.data.store.listDevices(license.id)).find(
      (d) => d.device_id === device.id,
    )
    expect(row?.state).toBe('active')
  })

  it('refuses a replayed deactivation proof', async () => {
    const { device, grant } = await server.activated()
    const check = await server.check(grant, device, DEACTIVATE)
    expect((await server.post('/api/v1/deactivate', check)).status).toBe(200)
    await expectError(await server.post('/api/v1/deactivate', check), 401, 'proof_invalid')
  })
})
