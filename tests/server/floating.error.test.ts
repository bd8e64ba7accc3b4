import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BORROW,
  LEASE,
  RELEASE,
  createFloatingLicense,
  leaseCall,
  leaseOk,
} from './helpers/floating.ts'
import { DAY, VALIDATE, expectError, startTestServer } from './helpers/testServer.ts'
import type { Device, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

/** A device holding a lease of a floating license of 1 at once (borrowing up to 7 days). */
async function holding(
  floating: { maxBorrow?: string | null } = {},
): Promise<{ licenseId: string; device: Device; grant: string }> {
  const license = await createFloatingLicense(server, { maxConcurrent: 1, ...floating })
  const device = await server.makeDevice()
  const { grant } = await server.activateOk(license.key, device)
  return { licenseId: license.id, device, grant }
}

describe('borrowing with a bad `until`', () => {
  const cases: { name: string; until: (now: number) => unknown; floating?: { maxBorrow: null } }[] =
    [
      { name: 'in the past', until: (now) => now - 1000 },
      { name: 'now', until: (now) => now },
      { name: 'one millisecond past maxBorrow', until: (now) => now + 7 * DAY + 1 },
      { name: 'a date string', until: (now) => new Date(now + DAY).toISOString() },
      { name: 'a fraction of a millisecond', until: (now) => now + DAY + 0.5 },
      { name: 'missing', until: () => undefined },
      {
        name: 'on a license that allows no borrowing',
        until: (now) => now + DAY,
        floating: { maxBorrow: null },
      },
    ]
  for (const { name, until, floating } of cases) {
    it(`answers bad_request for an until ${name}, and changes nothing`, async () => {
      const { device, grant } = await holding(floating)
      const before = await server.snapshot()
      const value = until(server.clock.now())
      await expectError(
        await leaseCall(server, BORROW, grant, device, value === undefined ? {} : { until: value }),
        400,
        'bad_request',
      )
      expect(await server.snapshot()).toEqual(before)
    })
  }

  it('answers bad_request for a member the endpoint does not take, and changes nothing', async () => {
    const { device, grant } = await holding()
    const before = await server.snapshot()
    await expectError(
      await leaseCall(server, BORROW, grant, device, {
        until: server.clock.now() + DAY,
        maxConcurrent: 99,
      }),
      400,
      'bad_request',
    )
    expect(await server.snapshot()).toEqual(before)
  })
})

describe('lease calls that are refused', () => {
  it('answers conflict not_floating on a node-locked license, and changes nothing', async () => {
    const { device, grant } = await server.activated()
    const before = await server.snapshot()
    for (const endpoint of [LEASE, RELEASE]) {
      const refusal = await expectError(
        await leaseCall(server, endpoint, grant, device),
        409,
        'conflict',
      )
      expect(refusal.error.details).toEqual({ reason: 'not_floating' })
    }
    expect(await server.snapshot()).toEqual(before)
  })

  it('answers proof_invalid for a proof made for another endpoint', async () => {
    const { device, grant } = await holding()
    const before = await server.snapshot()
    const check = await server.check(grant, device, VALIDATE)
    await expectError(await server.post('/api/v1/lease', check), 401, 'proof_invalid')
    const borrow = await server.check(grant, device, LEASE)
    await expectError(
      await server.post('/api/v1/lease/borrow', { ...borrow, until: server.clock.now() + DAY }),
      401,
      'proof_invalid',
    )
    expect(await server.snapshot()).toEqual(before)
  })

  it('answers proof_invalid for a proof used before', async () => {
    const { device, grant } = await holding()
    const check = await server.check(grant, device, LEASE)
    expect((await server.post('/api/v1/lease', check)).status).toBe(200)
    await expectError(await server.post('/api/v1/lease', check), 401, 'proof_invalid')
  })

  it('answers grant_invalid for a grant that is not ours', async () => {
    const { device, grant } = await holding()
    const [header = '', payload = ''] = grant.split('.')
    const forged = `${header}.${payload}.${'A'.repeat(86)}`
    const check = { grant: forged, proof: await server.proof(grant, device, undefined, LEASE) }
    await expectError(await server.post('/api/v1/lease', check), 401, 'grant_invalid')
  })

  it('answers license_suspended to a lease or borrow of a suspended license, and still takes its slot back', async () => {
    const { licenseId, device, grant } = await holding()
    await server.admin('POST', `/licenses/${licenseId}/suspend`, {})
    await expectError(await leaseCall(server, LEASE, grant, device), 403, 'license_suspended')
    await expectError(
      await leaseCall(server, BORROW, grant, device, { until: server.clock.now() + DAY }),
      403,
      'license_suspended',
    )
    await leaseOk(server, RELEASE, grant, device)
    expect(await server.data.store.listLiveLeases(licenseId, server.clock.now())).toEqual([])
  })

  it('answers license_expired after the term', async () => {
    const license = await server.createLicense({
      termEnd: server.clock.now() + DAY,
      floating: { maxConcurrent: 1, leaseLength: 'PT15M', maxBorrow: 'P7D' },
    })
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    server.clock.advance(DAY)
    await expectError(await leaseCall(server, LEASE, grant, device), 403, 'license_expired')
  })

  it('answers conflict floating_license to an offline activation, and registers nothing', async () => {
    const license = await createFloatingLicense(server)
    const device = await server.makeDevice()
    const before = await server.snapshot()
    const refusal = await expectError(
      await server.post('/api/v1/offline/activate', {
        licenseKey: license.key,
        requestCode: await server.requestCode(device),
      }),
      409,
      'conflict',
    )
    expect(refusal.error.details).toEqual({ reason: 'floating_license' })
    expect(await server.snapshot()).toEqual(before)
  })
})

describe('the admin API with bad floating settings', () => {
  const base = { product: 'notes', plan: 'pro', seats: 5 }
  const cases: { name: string; floating: unknown; recheckEvery?: null }[] = [
    { name: 'maxConcurrent 0', floating: { maxConcurrent: 0, leaseLength: 'PT15M' } },
    { name: 'maxConcurrent 2.5', floating: { maxConcurrent: 2.5, leaseLength: 'PT15M' } },
    { name: 'no leaseLength', floating: { maxConcurrent: 3 } },
    { name: 'leaseLength "soon"', floating: { maxConcurrent: 3, leaseLength: 'soon' } },
    { name: 'a zero leaseLength', floating: { maxConcurrent: 3, leaseLength: 'PT0S' } },
    {
      name: 'a zero maxBorrow',
      floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P0D' },
    },
    {
      name: 'an unknown member',
      floating: { maxConcurrent: 3, leaseLength: 'PT15M', seats: 9 },
    },
    {
      name: 'an air-gapped license',
      floating: { maxConcurrent: 3, leaseLength: 'PT15M' },
      recheckEvery: null,
    },
  ]
  for (const { name, floating, recheckEvery } of cases) {
    it(`answers bad_request for ${name}, and creates no license`, async () => {
      const before = await server.data.store.counts()
      const body = { ...base, floating, ...(recheckEvery === null ? { recheckEvery } : {}) }
      await expectError(await server.admin('POST', '/licenses', body), 400, 'bad_request')
      expect(await server.data.store.counts()).toEqual(before)
    })
  }

  it('answers not_found for ending a lease a device does not hold, or of an unknown license', async () => {
    const { licenseId, device, grant } = await holding()
    await leaseOk(server, RELEASE, grant, device)
    await expectError(
      await server.admin('DELETE', `/licenses/${licenseId}/leases/${device.id}`),
      404,
      'not_found',
    )
    await expectError(
      await server.admin('DELETE', `/licenses/lic_nosuch/leases/${device.id}`),
      404,
      'not_found',
    )
    await expectError(await server.admin('GET', '/licenses/lic_nosuch/leases'), 404, 'not_found')
  })

  it('answers conflict not_floating for ending a lease of a node-locked license', async () => {
    const { license, device } = await server.activated()
    const refusal = await expectError(
      await server.admin('DELETE', `/licenses/${license.id}/leases/${device.id}`),
      409,
      'conflict',
    )
    expect(refusal.error.details).toEqual({ reason: 'not_floating' })
  })
})
