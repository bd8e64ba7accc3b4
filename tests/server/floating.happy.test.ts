import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BORROW,
  LEASE,
  LEASE_LENGTH,
  RELEASE,
  createFloatingLicense,
  leaseCall,
  leaseOk,
  liveLeases,
} from './helpers/floating.ts'
import {
  DAY,
  MINUTE,
  claimsOf,
  expectError,
  grantOf,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer } from './helpers/testServer.ts'
import type { LeaseHolderView, LicenseView } from '../../src/core/index.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

const seconds = (ms: number) => Math.floor(ms / 1000)

/** Activates `count` new devices on `license`; each must get a lease. */
async function holders(
  license: CreatedLicense,
  count: number,
): Promise<{ device: Device; grant: string }[]> {
  const taken = []
  for (let i = 0; i < count; i++) {
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    taken.push({ device, grant })
  }
  return taken
}

describe('activating a floating license of 3 at once', () => {
  it('answers a lease: a grant bound to the device key whose exp is the lease end, not the term end', async () => {
    const license = await createFloatingLicense(server)
    expect(license.floating).toEqual({ maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P7D' })
    const device = await server.makeDevice()
    const body = await server.activateOk(license.key, device)
    const claims = await server.verify(body.grant, body.certs)
    expect(claims).toMatchObject({
      sub: license.id,
      dev: device.id,
      cnf: { jkt: device.jkt },
      status: 'active',
      lse: 'lease',
      exp: seconds(server.clock.now() + LEASE_LENGTH),
      // The settings and the term's end ride along: a device must know them offline, leased or not.
      flt: { max: 3, lease: 15 * 60, borrow: 7 * 24 * 3600, end: seconds(license.termEnd ?? 0) },
    })
  })

  it('gives the 4th device all_leases_in_use with the earliest lease end, and registers nothing for it', async () => {
    const license = await createFloatingLicense(server)
    const first = server.clock.now()
    await holders(license, 1)
    server.clock.advance(MINUTE)
    await holders(license, 2)
    const fourth = await server.makeDevice()
    const refusal = await expectError(
      await server.activate(license.key, fourth),
      409,
      'all_leases_in_use',
    )
    expect(refusal.error.details).toEqual({
      maxConcurrent: 3,
      nextFreeAt: first + LEASE_LENGTH,
      waitingAhead: 0,
    })
    expect(await server.data.store.findDevice(license.id, fourth.id)).toBeUndefined()
    expect(await liveLeases(server, license.id)).toHaveLength(3)
  })
})

describe('a lease nobody renews', () => {
  it('lapses at its end: the slot is free again without any admin action or sweeper', async () => {
    const license = await createFloatingLicense(server)
    await holders(license, 3)
    const late = await server.makeDevice()
    await expectError(await server.activate(license.key, late), 409, 'all_leases_in_use')
    server.clock.advance(LEASE_LENGTH - 1)
    await expectError(await server.activate(license.key, late), 409, 'all_leases_in_use')
    server.clock.advance(1)
    expect(await liveLeases(server, license.id)).toEqual([])
    await server.activateOk(license.key, late)
    expect(await liveLeases(server, license.id)).toEqual([late.id])
  })

  it('can be taken again by its device with the lapsed grant, when a slot is free', async () => {
    const license = await createFloatingLicense(server)
    const [holder] = await holders(license, 1)
    if (!holder) throw new Error('no holder')
    server.clock.advance(2 * LEASE_LENGTH)
    const { claims } = await leaseOk(server, LEASE, holder.grant, holder.device)
    expect(claims.exp).toBe(seconds(server.clock.now() + LEASE_LENGTH))
    expect(claims.seq).toBeGreaterThan(claimsOf(holder.grant).seq)
  })
})

describe('renewing a lease while the app is open', () => {
  it('moves its end on by a lease length and keeps the slot, even when every slot is held', async () => {
    const license = await createFloatingLicense(server)
    const [a] = await holders(license, 3)
    if (!a) throw new Error('no holder')
    server.clock.advance(LEASE_LENGTH / 2)
    const renewed = await leaseOk(server, LEASE, a.grant, a.device)
    expect(renewed.claims).toMatchObject({
      lse: 'lease',
      exp: seconds(server.clock.now() + LEASE_LENGTH),
    })
    // The two others lapse; the renewed one still counts.
    server.clock.advance(LEASE_LENGTH / 2)
    expect(await liveLeases(server, license.id)).toEqual([a.device.id])
  })

  it('is not what a re-check does: validate reports the lease as it stands and never extends it', async () => {
    const license = await createFloatingLicense(server)
    const [a] = await holders(license, 1)
    if (!a) throw new Error('no holder')
    const end = claimsOf(a.grant).exp
    server.clock.advance(10 * MINUTE)
    const rechecked = claimsOf(grantOf(await server.validateOne(a.grant, a.device)))
    expect(rechecked).toMatchObject({ exp: end, lse: 'lease' })
    server.clock.advance(10 * MINUTE)
    const lapsed = claimsOf(grantOf(await server.validateOne(a.grant, a.device)))
    expect(lapsed.exp).toBe(seconds(server.clock.now()))
    expect(lapsed.lse).toBeUndefined()
    expect(lapsed.flt?.max).toBe(3)
  })
})

describe('releasing a lease when the app closes', () => {
  it('frees the slot at once and answers a grant that ends now and outranks the lease', async () => {
    const license = await createFloatingLicense(server)
    const [a] = await holders(license, 3)
    if (!a) throw new Error('no holder')
    const released = await leaseOk(server, RELEASE, a.grant, a.device)
    expect(released.claims.exp).toBe(seconds(server.clock.now()))
    expect(released.claims.lse).toBeUndefined()
    expect(released.claims.seq).toBeGreaterThan(claimsOf(a.grant).seq)
    expect(await liveLeases(server, license.id)).toHaveLength(2)
    await holders(license, 1)
  })
})

describe('borrowing for a 3-day trip on a license of 1 at once', () => {
  it('holds the slot until the date, offline, then lets it go by itself', async () => {
    const license = await createFloatingLicense(server, { maxConcurrent: 1 })
    const [laptop] = await holders(license, 1)
    if (!laptop) throw new Error('no laptop')
    const until = server.clock.now() + 3 * DAY
    const borrowed = await leaseOk(server, BORROW, laptop.grant, laptop.device, { until })
    expect(borrowed.claims).toMatchObject({ lse: 'borrow', exp: seconds(until) })

    server.clock.advance(2 * DAY)
    const colleague = await server.makeDevice()
    const refusal = await expectError(
      await server.activate(license.key, colleague),
      409,
      'all_leases_in_use',
    )
    expect(refusal.error.details).toEqual({ maxConcurrent: 1, nextFreeAt: until, waitingAhead: 0 })

    server.clock.advance(DAY)
    await server.activateOk(license.key, colleague)
    expect(await liveLeases(server, license.id)).toEqual([colleague.id])
  })

  it('frees the slot when returned early', async () => {
    const license = await createFloatingLicense(server, { maxConcurrent: 1 })
    const [laptop] = await holders(license, 1)
    if (!laptop) throw new Error('no laptop')
    const borrowed = await leaseOk(server, BORROW, laptop.grant, laptop.device, {
      until: server.clock.now() + 3 * DAY,
    })
    server.clock.advance(DAY)
    const colleague = await server.makeDevice()
    await expectError(await server.activate(license.key, colleague), 409, 'all_leases_in_use')
    const returned = await leaseOk(server, RELEASE, borrowed.grant, laptop.device)
    expect(returned.claims.exp).toBe(seconds(server.clock.now()))
    await server.activateOk(license.key, colleague)
  })

  it('is not shortened by a lease renewal while the app is open during the trip', async () => {
    const license = await createFloatingLicense(server, { maxConcurrent: 1 })
    const [laptop] = await holders(license, 1)
    if (!laptop) throw new Error('no laptop')
    const until = server.clock.now() + 3 * DAY
    const borrowed = await leaseOk(server, BORROW, laptop.grant, laptop.device, { until })
    server.clock.advance(DAY)
    const renewed = await leaseOk(server, LEASE, borrowed.grant, laptop.device)
    expect(renewed.claims).toMatchObject({ lse: 'borrow', exp: seconds(until) })
  })

  it('ends with the term when the term ends first', async () => {
    const license = await server.createLicense({
      seats: 5,
      termEnd: server.clock.now() + 2 * DAY,
      floating: { maxConcurrent: 1, leaseLength: 'PT15M', maxBorrow: 'P7D' },
    })
    const laptop = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, laptop)
    const borrowed = await leaseOk(server, BORROW, grant, laptop, {
      until: server.clock.now() + 5 * DAY,
    })
    expect(borrowed.claims.exp).toBe(seconds(server.clock.now() + 2 * DAY))
  })
})

describe('the vendor and the slots of a floating license', () => {
  it('sees who holds a slot and until when, and ends a lease, which frees the slot', async () => {
    const license = await createFloatingLicense(server, { maxConcurrent: 2 })
    const start = server.clock.now()
    const [a, b] = await holders(license, 2)
    if (!a || !b) throw new Error('no holders')
    await leaseOk(server, BORROW, b.grant, b.device, { until: start + DAY })

    const listed = await server.admin('GET', `/licenses/${license.id}/leases`)
    expect(listed.status).toBe(200)
    const { items } = await readJson<{ items: LeaseHolderView[] }>(listed)
    expect(items).toEqual([
      {
        deviceId: a.device.id,
        deviceName: a.device.name,
        platform: 'linux',
        kind: 'lease',
        startedAt: start,
        endsAt: start + LEASE_LENGTH,
      },
      {
        deviceId: b.device.id,
        deviceName: b.device.name,
        platform: 'linux',
        kind: 'borrow',
        startedAt: start,
        endsAt: start + DAY,
      },
    ])

    const ended = await server.admin('DELETE', `/licenses/${license.id}/leases/${b.device.id}`)
    expect(ended.status).toBe(200)
    expect(await liveLeases(server, license.id)).toEqual([a.device.id])
    await holders(license, 1)
  })

  it('shows a node-locked license with floating null', async () => {
    const license = await server.createLicense()
    const shown = await readJson<LicenseView>(await server.admin('GET', `/licenses/${license.id}`))
    expect(shown.floating).toBeNull()
  })

  it('frees the slot of a device it removes, with the seat', async () => {
    const license = await createFloatingLicense(server, { maxConcurrent: 1 })
    const [a] = await holders(license, 1)
    if (!a) throw new Error('no holder')
    const removed = await server.admin('DELETE', `/licenses/${license.id}/devices/${a.device.id}`)
    expect(removed.status).toBe(200)
    await holders(license, 1)
    // The removed device learns so at its next call, and takes nothing.
    await expectError(await leaseCall(server, LEASE, a.grant, a.device), 404, 'device_unknown')
  })
})
