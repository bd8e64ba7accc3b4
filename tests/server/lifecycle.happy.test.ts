import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DAY,
  DEACTIVATE,
  claimsOf,
  expectError,
  grantOf,
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

describe('a user deactivating a device', () => {
  it('frees the seat and answers a signed revocation with rsn deactivated', async () => {
    const { license, device, grant } = await server.activated({ seats: 1 })
    const response = await server.post(
      '/api/v1/deactivate',
      await server.check(grant, device, DEACTIVATE),
    )
    expect(response.status).toBe(200)
    const body = await readJson<GrantBody>(response)
    const revocation = await server.verify(body.grant, body.certs)
    expect(revocation).toMatchObject({
      status: 'revoked',
      rsn: 'deactivated',
      dev: device.id,
      sub: license.id,
    })
    expect(revocation.seq).toBeGreaterThan(claimsOf(grant).seq)

    const [row] = await server.data.store.listDevices(license.id)
    expect(row).toMatchObject({ state: 'released', released_at: server.clock.now() })
    // The one seat is free again.
    await server.activateOk(license.key, await server.makeDevice())
  })

  it('keeps answering revocations to the deactivated device at its next checks', async () => {
    const { device, grant } = await server.activated()
    const released = await readJson<GrantBody>(
      await server.post('/api/v1/deactivate', await server.check(grant, device, DEACTIVATE)),
    )
    const next = await server.verify(
      grantOf(await server.validateOne(released.grant, device)),
      released.certs,
    )
    expect(next).toMatchObject({ status: 'revoked', rsn: 'deactivated' })
  })
})

describe('admin status changes, effective at the next check', () => {
  it('revoke: the next validate answers a signed revocation with rsn revoked', async () => {
    const { license, device, grant, certs } = await server.activated()
    const revoked = await server.admin('POST', `/licenses/${license.id}/revoke`, {
      reason: 'chargeback',
    })
    expect(revoked.status).toBe(200)
    expect(await readJson<unknown>(revoked)).toMatchObject({
      status: 'revoked',
      statusReason: 'chargeback',
    })

    const claims = await server.verify(grantOf(await server.validateOne(grant, device)), certs)
    expect(claims).toMatchObject({ status: 'revoked', rsn: 'revoked', dev: device.id })
    await expectError(
      await server.activate(license.key, await server.makeDevice()),
      403,
      'license_revoked',
    )
  })

  it('revoke without a body works as well', async () => {
    const { license, device, grant } = await server.activated()
    expect(
      (
        await server.request('POST', `/admin/v1/licenses/${license.id}/revoke`, {
          headers: { authorization: `Bearer ${server.data.adminToken}` },
        })
      ).status,
    ).toBe(200)
    expect(claimsOf(grantOf(await server.validateOne(grant, device))).status).toBe('revoked')
  })

  it('suspend: the next grant has status suspended; reinstate: active again with a higher seq', async () => {
    const { license, device, grant, certs } = await server.activated()
    await server.admin('POST', `/licenses/${license.id}/suspend`, { reason: 'payment overdue' })
    const suspended = await server.verify(grantOf(await server.validateOne(grant, device)), certs)
    expect(suspended.status).toBe('suspended')
    expect(suspended.rsn).toBeUndefined()

    const reinstated = await server.admin('POST', `/licenses/${license.id}/reinstate`)
    expect(await readJson<unknown>(reinstated)).toMatchObject({ status: 'active' })
    const active = await server.verify(grantOf(await server.validateOne(grant, device)), certs)
    expect(active.status).toBe('active')
    expect(active.rsn).toBeUndefined()
    expect(active.seq).toBeGreaterThan(suspended.seq)
  })

  it('reinstate after a revocation: the device gets an active grant again', async () => {
    const { license, device, grant } = await server.activated()
    await server.admin('POST', `/licenses/${license.id}/revoke`)
    const revocation = grantOf(await server.validateOne(grant, device))
    await server.admin('POST', `/licenses/${license.id}/reinstate`)
    const active = claimsOf(grantOf(await server.validateOne(revocation, device)))
    expect(active.status).toBe('active')
    expect(active.seq).toBeGreaterThan(claimsOf(revocation).seq)
  })

  it('renew: the next validate carries the later exp', async () => {
    const { license, device, grant, certs } = await server.activated()
    const newEnd = (license.termEnd ?? 0) + 365 * DAY
    const renewed = await server.admin('POST', `/licenses/${license.id}/renew`, { termEnd: newEnd })
    expect(renewed.status).toBe(200)
    expect(await readJson<unknown>(renewed)).toMatchObject({ termEnd: newEnd })
    const claims = await server.verify(grantOf(await server.validateOne(grant, device)), certs)
    expect(claims.exp).toBe(Math.floor(newEnd / 1000))
    expect(claims.exp).toBeGreaterThan(claimsOf(grant).exp ?? Infinity)
  })

  it('renew after the term ended: activation works again', async () => {
    const license = await server.createLicense({ termEnd: server.clock.now() + DAY })
    server.clock.advance(2 * DAY)
    await expectError(
      await server.activate(license.key, await server.makeDevice()),
      403,
      'license_expired',
    )
    await server.admin('POST', `/licenses/${license.id}/renew`, {
      termEnd: server.clock.now() + 30 * DAY,
    })
    expect((await server.activate(license.key, await server.makeDevice())).status).toBe(200)
  })
})

describe('an admin removing a device', () => {
  it('frees the seat, and the removed device gets rsn device_removed at its next check', async () => {
    const { license, device, grant, certs } = await server.activated({ seats: 1 })
    const removed = await server.admin('DELETE', `/licenses/${license.id}/devices/${device.id}`)
    expect(removed.status).toBe(200)
    expect(await readJson<unknown>(removed)).toMatchObject({ id: device.id, state: 'removed' })

    await server.activateOk(license.key, await server.makeDevice())
    const claims = await server.verify(grantOf(await server.validateOne(grant, device)), certs)
    expect(claims).toMatchObject({ status: 'revoked', rsn: 'device_removed', dev: device.id })
  })
})
