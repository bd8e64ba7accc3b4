import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../server/services.ts'
import {
  GENEROUS_LIMITS,
  SECOND,
  claimsOf,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { Check, TestServer, ValidateBody } from './helpers/testServer.ts'

// Issue #11, item 8d: one device could check in 2,000 times in 2.7 s, each a commit and a
// signature. Check-ins are now limited per device, counted only once a check has verified.

const LIMIT = DEFAULT_LIMITS.checkInsPerDevice
let server: TestServer

beforeAll(async () => {
  server = await startTestServer({
    limits: { ...GENEROUS_LIMITS, checkInsPerDevice: LIMIT },
  })
})

afterAll(async () => {
  await server.close()
})

async function codesOf(checks: Check[]): Promise<string[]> {
  const response = await server.validate(checks)
  expect(response.status).toBe(200)
  const body = await readJson<ValidateBody>(response)
  return body.results.map((result) => (result.ok ? 'ok' : result.error.code))
}

describe('check-ins per device', () => {
  it('Should not let one device check in 2,000 times - it is refused per check once its bucket is empty, and nothing is written for the refused ones', async () => {
    const { device, grant } = await server.activated()
    const codes: string[] = []
    for (let i = 0; i < 20; i++) {
      const checks = await Promise.all(
        Array.from({ length: 100 }, () => server.check(grant, device)),
      )
      codes.push(...(await codesOf(checks)))
    }
    expect(codes.filter((code) => code === 'ok')).toHaveLength(LIMIT.capacity)
    expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(2000 - LIMIT.capacity)
    const row = await server.data.store.findDevice(claimsOf(grant).sub, device.id)
    // Activation made seq 1; each accepted check-in one more.
    expect(row?.seq).toBe(1 + LIMIT.capacity)
  })

  it('leaves another device of the same license, and the other checks of the batch, unaffected', async () => {
    const license = await server.createLicense({ seats: 5 })
    const busy = await server.makeDevice()
    const quiet = await server.makeDevice()
    const busyGrant = (await server.activateOk(license.key, busy)).grant
    const quietGrant = (await server.activateOk(license.key, quiet)).grant
    const busyChecks = await Promise.all(
      Array.from({ length: LIMIT.capacity + 5 }, () => server.check(busyGrant, busy)),
    )
    const codes = await codesOf([...busyChecks, await server.check(quietGrant, quiet)])
    expect(codes.at(-1)).toBe('ok')
    expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(5)
  })

  it('refills: the device checks in again after a while', async () => {
    const { device, grant } = await server.activated()
    const burst = await Promise.all(
      Array.from({ length: LIMIT.capacity + 1 }, () => server.check(grant, device)),
    )
    // Checks of a batch are verified side by side: which one finds the bucket empty varies.
    expect((await codesOf(burst)).filter((code) => code === 'rate_limited')).toHaveLength(1)
    server.clock.advance((60 / LIMIT.perMinute) * SECOND)
    expect(await codesOf([await server.check(grant, device)])).toEqual(['ok'])
  })

  it("Should not let forged checks spend a device's budget - proofs by another key are refused as invalid, and the device still has all its check-ins", async () => {
    const { device, grant } = await server.activated()
    const impostor = await server.makeDevice(device.id)
    const forged = await Promise.all(
      Array.from({ length: 50 }, () => server.check(grant, impostor)),
    )
    expect(new Set(await codesOf(forged))).toEqual(new Set(['proof_invalid']))
    const own = await Promise.all(
      Array.from({ length: LIMIT.capacity }, () => server.check(grant, device)),
    )
    expect(new Set(await codesOf(own))).toEqual(new Set(['ok']))
  })
})
