import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LEASE,
  RELEASE,
  createFloatingLicense,
  leaseCall,
  leaseOk,
  liveLeases,
} from './helpers/floating.ts'
import { MINUTE, expectError, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer } from './helpers/testServer.ts'

// The line for a floating license's slots (#15): when every slot is taken, a registered device
// that asks joins the line, and a freed slot goes to the one that has waited longest, not to
// whoever asks first after it frees. A device that stops asking (its app closed) leaves the line
// by itself. Runs on SQLite (server) and PostgreSQL (server-pg).

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

interface Member {
  device: Device
  grant: string
}

/**
 * A one-slot license with `count` registered devices, none holding the slot: each activates in
 * turn (taking the free slot) and gives it back.
 */
async function team(count: number): Promise<{ license: CreatedLicense; members: Member[] }> {
  const license = await createFloatingLicense(server, { maxConcurrent: 1 })
  const members: Member[] = []
  for (let i = 0; i < count; i++) {
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    const released = await leaseOk(server, RELEASE, grant, device)
    members.push({ device, grant: released.grant })
  }
  return { license, members }
}

async function ask(member: Member) {
  return leaseCall(server, LEASE, member.grant, member.device)
}

async function refusedWith(member: Member) {
  const body = await expectError(await ask(member), 409, 'all_leases_in_use')
  return body.error.details as { waitingAhead: number; maxConcurrent: number }
}

describe('a line for a one-slot license', () => {
  it('serves the device that waited longest when the slot frees, whoever asks first', async () => {
    const { license, members } = await team(3)
    const [a, b, c] = members
    if (!a || !b || !c) throw new Error('no team')
    const held = await leaseOk(server, LEASE, a.grant, a.device)
    a.grant = held.grant

    expect(await refusedWith(b)).toMatchObject({ waitingAhead: 0, maxConcurrent: 1 })
    server.clock.advance(10_000)
    expect((await refusedWith(c)).waitingAhead).toBe(1)
    // Asking again keeps one's place.
    expect((await refusedWith(b)).waitingAhead).toBe(0)

    // A gives the slot back; C asks first, but B has waited longer.
    await leaseOk(server, RELEASE, a.grant, a.device)
    expect((await refusedWith(c)).waitingAhead).toBe(1)
    const served = await leaseOk(server, LEASE, b.grant, b.device)
    expect(served.claims.lse).toBe('lease')
    expect(await liveLeases(server, license.id)).toEqual([b.device.id])
    // B left the line with the slot: C is next.
    expect((await refusedWith(c)).waitingAhead).toBe(0)
  })

  it('forgets a device that stopped asking, after 3 minutes', async () => {
    const { members } = await team(3)
    const [a, b, c] = members
    if (!a || !b || !c) throw new Error('no team')
    a.grant = (await leaseOk(server, LEASE, a.grant, a.device)).grant
    await refusedWith(b)
    server.clock.advance(MINUTE)
    expect((await refusedWith(c)).waitingAhead).toBe(1)
    // B's app was closed: it asks no more. Three minutes on, C is next, and gets the freed slot.
    server.clock.advance(2 * MINUTE + 1)
    expect((await refusedWith(c)).waitingAhead).toBe(0)
    await leaseOk(server, RELEASE, a.grant, a.device)
    expect((await leaseOk(server, LEASE, c.grant, c.device)).claims.lse).toBe('lease')
  })

  it('keeps a new device out while others wait for a freed slot; it cannot join the line unregistered', async () => {
    const { license, members } = await team(2)
    const [a, b] = members
    if (!a || !b) throw new Error('no team')
    a.grant = (await leaseOk(server, LEASE, a.grant, a.device)).grant
    await refusedWith(b)
    await leaseOk(server, RELEASE, a.grant, a.device)

    const newcomer = await server.makeDevice()
    const refused = await expectError(
      await server.activate(license.key, newcomer),
      409,
      'all_leases_in_use',
    )
    expect(refused.error.details).toMatchObject({ waitingAhead: 1 })
    // Registered nothing, and did not join the line: B is still next, then the slot is free.
    const devices = await server.admin('GET', `/licenses/${license.id}/devices`)
    const listed = (await devices.json()) as { items: { id: string }[] }
    expect(listed.items.map((item) => item.id)).not.toContain(newcomer.id)
    expect((await leaseOk(server, LEASE, b.grant, b.device)).claims.lse).toBe('lease')
  })
})
