import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DAY,
  MINUTE,
  claimsOf,
  expectError,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { GrantBody, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('a license with 3 seats', () => {
  it('activates three devices, each with a grant bound to its own key', async () => {
    const license = await server.createLicense({ seats: 3 })
    for (const n of [1, 2, 3]) {
      const device = await server.makeDevice()
      const response = await server.activate(license.key, device)
      expect(response.status).toBe(200)
      const body = await readJson<GrantBody>(response)
      expect(body.serverTime).toBe(server.clock.now())
      const claims = await server.verify(body.grant, body.certs)
      expect(claims).toMatchObject({
        iss: server.data.issuer,
        aud: 'notes',
        sub: license.id,
        seq: 1,
        iat: Math.floor(server.clock.now() / 1000),
        exp: Math.floor((license.termEnd ?? 0) / 1000),
        status: 'active',
        plan: 'pro',
        dev: device.id,
        cnf: { jkt: device.jkt },
      })
      expect(claims.rsn).toBeUndefined()
      expect(claims.features).toEqual([
        'notes.edit',
        'notes.search',
        'export.file',
        'templates',
        'share.link',
      ])
      const active = (await server.data.store.listDevices(license.id)).filter(
        (d) => d.state === 'active',
      )
      expect(active).toHaveLength(n)
    }
  })

  it('refuses a fourth device with seat_limit_reached and keeps three seats', async () => {
    const license = await server.createLicense({ seats: 3 })
    for (let i = 0; i < 3; i++) await server.activateOk(license.key, await server.makeDevice())
    const fourth = await server.makeDevice()
    await expectError(await server.activate(license.key, fourth), 409, 'seat_limit_reached')
    const devices = await server.data.store.listDevices(license.id)
    expect(devices.map((d) => d.device_id)).not.toContain(fourth.id)
    expect(devices).toHaveLength(3)
  })

  it('lets a device activate again without taking a second seat, with a higher seq', async () => {
    const license = await server.createLicense({ seats: 2 })
    const laptop = await server.makeDevice()
    const first = claimsOf((await server.activateOk(license.key, laptop)).grant)
    const again = claimsOf((await server.activateOk(license.key, laptop)).grant)
    expect(again.seq).toBeGreaterThan(first.seq)
    expect(again.jti).not.toBe(first.jti)

    // One seat is still free after the laptop activated twice.
    await server.activateOk(license.key, await server.makeDevice())
    await expectError(
      await server.activate(license.key, await server.makeDevice()),
      409,
      'seat_limit_reached',
    )
    const shown = await readJson<{ seatsUsed: number; devices: unknown[] }>(
      await server.admin('GET', `/licenses/${license.id}`),
    )
    expect(shown.seatsUsed).toBe(2)
    expect(shown.devices).toHaveLength(2)
  })
})

describe('a license key as a user types it', () => {
  it.each([
    ['in lowercase', (key: string) => key.toLowerCase()],
    ['with spaces instead of dashes', (key: string) => key.replaceAll('-', ' ')],
    [
      'in lowercase without dashes, padded with spaces',
      (key: string) => `  ${key.replaceAll('-', '').toLowerCase()} `,
    ],
  ])('activates when typed %s', async (_how, typed) => {
    const license = await server.createLicense()
    const response = await server.activate(typed(license.key), await server.makeDevice())
    expect(response.status).toBe(200)
    expect(claimsOf((await readJson<GrantBody>(response)).grant).sub).toBe(license.id)
  })

  it('still refuses a key with one character changed', async () => {
    const license = await server.createLicense()
    const last = license.key.at(-1) === 'A' ? 'B' : 'A'
    const typo = `${license.key.slice(0, -1)}${last}`
    await expectError(
      await server.activate(typo, await server.makeDevice()),
      403,
      'license_key_invalid',
    )
  })
})

describe('license overrides of the product policy', () => {
  it('signs an air-gapped license (recheckEvery null) with pol.recheck null', async () => {
    const license = await server.createLicense({ recheckEvery: null })
    const claims = claimsOf((await server.activateOk(license.key, await server.makeDevice())).grant)
    expect(claims.pol.recheck).toBeNull()
  })

  it('signs a license override of recheck and grace instead of the product defaults', async () => {
    const license = await server.createLicense({ recheckEvery: 'PT12H', grace: 'P2D' })
    const claims = claimsOf((await server.activateOk(license.key, await server.makeDevice())).grant)
    expect(claims.pol.recheck).toBe(12 * 3600)
    expect(claims.pol.grace).toBe(2 * 86_400)
  })

  it('signs the product defaults (P1D, P7D) when the license overrides nothing', async () => {
    const license = await server.createLicense()
    const claims = claimsOf((await server.activateOk(license.key, await server.makeDevice())).grant)
    expect(claims.pol.recheck).toBe(86_400)
    expect(claims.pol.grace).toBe(7 * 86_400)
  })

  it('leaves exp out of the grant of a perpetual license', async () => {
    const license = await server.createLicense({ termEnd: null })
    const claims = claimsOf((await server.activateOk(license.key, await server.makeDevice())).grant)
    expect(claims.exp).toBeUndefined()
  })
})

describe('a device not seen for longer than seatReleaseAfter (P90D)', () => {
  it('gives its seat to a new device, and gets a revocation at its next check', async () => {
    const license = await server.createLicense({
      seats: 1,
      termEnd: server.clock.now() + 2 * 365 * DAY,
    })
    const idle = await server.makeDevice()
    const idleGrant = (await server.activateOk(license.key, idle)).grant
    const newcomer = await server.makeDevice()

    server.clock.advance(90 * DAY - MINUTE)
    await expectError(await server.activate(license.key, newcomer), 409, 'seat_limit_reached')

    server.clock.advance(2 * MINUTE)
    const taken = await server.activateOk(license.key, newcomer)
    expect(claimsOf(taken.grant).dev).toBe(newcomer.id)

    const result = await server.validateOne(idleGrant, idle)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const claims = await server.verify(result.grant, taken.certs)
    expect(claims.status).toBe('revoked')
    expect(claims.rsn).toBe('deactivated')
  })

  it('keeps the seat of a device that checked in within the period', async () => {
    const license = await server.createLicense({
      seats: 1,
      termEnd: server.clock.now() + 2 * 365 * DAY,
    })
    const regular = await server.makeDevice()
    const grant = (await server.activateOk(license.key, regular)).grant
    server.clock.advance(60 * DAY)
    expect((await server.validateOne(grant, regular)).ok).toBe(true)
    server.clock.advance(60 * DAY)
    // 120 days since activation, but only 60 since the last check-in.
    await expectError(
      await server.activate(license.key, await server.makeDevice()),
      409,
      'seat_limit_reached',
    )
  })
})

describe('an air-gapped license (recheckEvery null) past seatReleaseAfter', () => {
  it('keeps the seat of a device that never checks in, since it cannot', async () => {
    const license = await server.createLicense({
      seats: 1,
      recheckEvery: null,
      termEnd: server.clock.now() + 2 * 365 * DAY,
    })
    await server.activateOk(license.key, await server.makeDevice())
    server.clock.advance(200 * DAY)
    await expectError(
      await server.activate(license.key, await server.makeDevice()),
      409,
      'seat_limit_reached',
    )
  })
})
