import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BORROW,
  LEASE_LENGTH,
  createFloatingLicense,
  leaseOk,
  liveLeases,
} from './helpers/floating.ts'
import {
  CREATE_SHARE,
  DAY,
  DEACTIVATE,
  expectError,
  startTestServer,
} from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('a device that gave its slot back with its seat', () => {
  it('cannot take its slot back past the limit by activating again after the vendor removed it while borrowing', async () => {
    const license = await createFloatingLicense(server, { maxConcurrent: 1 })
    const laptop = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, laptop)
    await leaseOk(server, BORROW, grant, laptop, { until: server.clock.now() + 3 * DAY })
    const removed = await server.admin('DELETE', `/licenses/${license.id}/devices/${laptop.id}`)
    expect(removed.status).toBe(200)
    const colleague = await server.makeDevice()
    await server.activateOk(license.key, colleague)

    await expectError(await server.activate(license.key, laptop), 409, 'all_leases_in_use')
    expect(await liveLeases(server, license.id)).toEqual([colleague.id])
  })

  it('cannot take its slot back past the limit by activating again after deactivating during its lease', async () => {
    const license = await createFloatingLicense(server, { maxConcurrent: 1 })
    const laptop = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, laptop)
    const deactivated = await server.post(
      '/api/v1/deactivate',
      await server.check(grant, laptop, DEACTIVATE),
    )
    expect(deactivated.status).toBe(200)
    const colleague = await server.makeDevice()
    await server.activateOk(license.key, colleague)

    await expectError(await server.activate(license.key, laptop), 409, 'all_leases_in_use')
    expect(await liveLeases(server, license.id)).toEqual([colleague.id])
  })
})

describe('an online feature the server provides, on a floating license', () => {
  const share = async (grant: string, device: Parameters<TestServer['check']>[1]) =>
    server.post('/api/v1/shares', {
      ...(await server.check(grant, device, CREATE_SHARE)),
      title: 'Trip notes',
      body: 'Packing list',
    })

  it('works while the device holds a lease, and is refused once the lease has lapsed', async () => {
    const license = await createFloatingLicense(server)
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    expect((await share(grant, device)).status).toBe(201)

    server.clock.advance(LEASE_LENGTH)
    const refusal = await expectError(await share(grant, device), 409, 'conflict')
    expect(refusal.error.details).toEqual({ reason: 'no_lease' })
  })
})
