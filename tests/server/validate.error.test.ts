import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MINUTE, SECOND, expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { Check, CheckResult, TestServer, ValidateBody } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

async function validateWith(grant: string, proof: string): Promise<CheckResult | undefined> {
  const response = await server.validate([{ grant, proof }])
  expect(response.status).toBe(200)
  return (await readJson<ValidateBody>(response)).results[0]
}

describe('the time in a proof', () => {
  it('refuses a proof signed more than 5 minutes before server time with proof_invalid', async () => {
    const { device, grant } = await server.activated()
    const proof = await server.proof(grant, device)
    server.clock.advance(5 * MINUTE + SECOND)
    const before = await server.snapshot()
    const result = await validateWith(grant, proof)
    expect(result).toMatchObject({ ok: false, error: { code: 'proof_invalid' } })
    expect(await server.snapshot()).toEqual(before)
  })

  it('accepts a proof signed 4 minutes 59 seconds before server time', async () => {
    const { device, grant } = await server.activated()
    const proof = await server.proof(grant, device)
    server.clock.advance(5 * MINUTE - SECOND)
    expect((await validateWith(grant, proof))?.ok).toBe(true)
  })

  it('refuses a proof dated more than 5 minutes after server time', async () => {
    const { device, grant } = await server.activated()
    const future = Math.floor(server.clock.now() / 1000) + 5 * 60 + 1
    const result = await validateWith(grant, await server.proof(grant, device, future))
    expect(result).toMatchObject({ ok: false, error: { code: 'proof_invalid' } })
  })

  it('accepts a proof from a device clock running 4 minutes ahead', async () => {
    const { device, grant } = await server.activated()
    const ahead = Math.floor(server.clock.now() / 1000) + 4 * 60
    expect((await validateWith(grant, await server.proof(grant, device, ahead)))?.ok).toBe(true)
  })

  it('refuses a proof whose ts is in milliseconds instead of seconds', async () => {
    const { device, grant } = await server.activated()
    const result = await validateWith(grant, await server.proof(grant, device, server.clock.now()))
    expect(result).toMatchObject({ ok: false, error: { code: 'proof_invalid' } })
  })
})

describe('a batch over the limit', () => {
  it('refuses 101 checks as a whole with bad_request and records none of them', async () => {
    const license = await server.createLicense({ seats: 1 })
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    const checks: Check[] = []
    for (let i = 0; i < 101; i++)
      checks.push({
        grant,
        proof: await server.proof(grant, device, Math.floor(server.clock.now() / 1000) - i),
      })
    const before = await server.snapshot()
    const refused = await expectError(await server.validate(checks), 400, 'bad_request')
    expect(refused.error.message).toMatch(/checks/)
    expect(await server.snapshot()).toEqual(before)
  })
})
