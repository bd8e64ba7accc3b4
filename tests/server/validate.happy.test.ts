import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DAY,
  DEACTIVATE,
  claimsOf,
  grantOf,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { Device, GrantBody, TestServer, ValidateBody } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('a device checking in', () => {
  it('gets a fresh grant with a higher seq, a new jti and the server time as iat', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    server.clock.advance(DAY)
    const response = await server.validate([await server.check(grant, device)])
    expect(response.status).toBe(200)
    const body = await readJson<ValidateBody>(response)
    expect(body.serverTime).toBe(server.clock.now())
    const fresh = await server.verify(grantOf(body.results[0]), body.certs)
    const old = claimsOf(grant)
    expect(fresh.seq).toBeGreaterThan(old.seq)
    expect(fresh.jti).not.toBe(old.jti)
    expect(fresh.iat).toBe(old.iat + 86_400)
    expect(fresh).toMatchObject({
      status: 'active',
      sub: license.id,
      dev: device.id,
      cnf: { jkt: device.jkt },
    })
    const [row] = await server.data.store.listDevices(license.id)
    expect(row?.last_seen_at).toBe(server.clock.now())
  })

  it('accepts the optional telemetry member', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    const response = await server.post('/api/v1/validate', {
      checks: [await server.check(grant, device)],
      telemetry: { counters: { opened: 3 } },
    })
    expect(response.status).toBe(200)
    expect((await readJson<ValidateBody>(response)).results[0]?.ok).toBe(true)
  })
})

describe('a batch of checks in one call', () => {
  it('answers 100 checks of 100 devices on a 100-seat license, all ok and in order (regression: 100 real checks did not fit the 64 KiB body limit)', async () => {
    const license = await server.createLicense({ seats: 100 })
    const devices = await Promise.all(Array.from({ length: 100 }, () => server.makeDevice()))
    const grants: string[] = []
    for (const device of devices) grants.push((await server.activateOk(license.key, device)).grant)
    const checks = await Promise.all(
      grants.map((grant, i) => server.check(grant, devices[i] as Device)),
    )

    const response = await server.validate(checks)
    expect(response.status).toBe(200)
    const body = await readJson<ValidateBody>(response)
    expect(body.results).toHaveLength(100)
    const devs = body.results.map((result) => claimsOf(grantOf(result)).dev)
    expect(devs).toEqual(devices.map((device) => device.id))
    expect(body.results.every((result) => result.ok && claimsOf(result.grant).seq === 2)).toBe(true)
  })

  it('answers each check on its own: a bad one beside good ones fails alone', async () => {
    const license = await server.createLicense()
    const a = await server.makeDevice()
    const b = await server.makeDevice()
    const grantA = (await server.activateOk(license.key, a)).grant
    const grantB = (await server.activateOk(license.key, b)).grant
    const body = await readJson<ValidateBody>(
      await server.validate([
        await server.check(grantA, a),
        { grant: grantB, proof: await server.proof(grantB, a) },
        await server.check(grantB, b),
      ]),
    )
    expect(body.results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'proof_invalid',
      'ok',
    ])
  })
})

describe('checks of one device in one batch, worked on side by side', () => {
  it('uses a proof once: of the same check three times, the first gets a fresh grant', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const grant = (await server.activateOk(license.key, device)).grant
    const check = await server.check(grant, device)
    const body = await readJson<ValidateBody>(await server.validate([check, check, check]))
    // In order, as if each were alone: the first use wins, whatever the backend's timing.
    expect(body.results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'proof_invalid',
      'proof_invalid',
    ])
  })

  it('gives two fresh proofs of one device two grants with different seqs', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const grant = (await server.activateOk(license.key, device)).grant
    const body = await readJson<ValidateBody>(
      await server.validate([await server.check(grant, device), await server.check(grant, device)]),
    )
    const seqs = body.results.map((result) => claimsOf(grantOf(result)).seq)
    expect(new Set(seqs)).toEqual(new Set([2, 3]))
  })
})

describe('seq of a device', () => {
  it('only grows through check-ins, re-activation, suspension, deactivation and re-activation', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const seqs: number[] = []
    let grant = (await server.activateOk(license.key, device)).grant
    const record = () => seqs.push(claimsOf(grant).seq)
    record()
    for (let i = 0; i < 3; i++) {
      grant = grantOf(await server.validateOne(grant, device))
      record()
    }
    grant = (await server.activateOk(license.key, device)).grant
    record()
    await server.admin('POST', `/licenses/${license.id}/suspend`)
    grant = grantOf(await server.validateOne(grant, device))
    record()
    await server.admin('POST', `/licenses/${license.id}/reinstate`)
    grant = grantOf(await server.validateOne(grant, device))
    record()
    const released = await server.post(
      '/api/v1/deactivate',
      await server.check(grant, device, DEACTIVATE),
    )
    grant = (await readJson<GrantBody>(released)).grant
    record()
    grant = grantOf(await server.validateOne(grant, device))
    record()
    grant = (await server.activateOk(license.key, device)).grant
    record()

    expect(seqs).toHaveLength(10)
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? Infinity)
  })
})
