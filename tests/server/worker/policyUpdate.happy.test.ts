import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../../server/demoManifest.ts'
import { claimsOf } from '../helpers/testServer.ts'
import { startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

let h: WorkerHarness

beforeEach(async () => {
  h = await startWorkerHarness()
})

afterEach(async () => {
  await h.close()
})

async function storedPolicy() {
  const held = await h.worker.holderProof({ htm: 'POST', htu: '/api/v1/shares' })
  if (!held.ok) throw new Error(`no grant: ${held.code}`)
  return claimsOf(held.grant).pol
}

async function publish(body: unknown): Promise<void> {
  const answer = await h.app.request('/admin/v1/manifest', {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${h.data.adminToken}`,
      'content-type': 'application/json',
      'x-leeway-note': 'longer grace',
    },
    body: JSON.stringify(body),
  })
  expect(answer.status).toBe(201)
}

describe('a policy published while a device is activated', () => {
  it('reaches the device at its next re-check, signed in the grant, with no re-activation', async () => {
    const license = await h.createLicense()
    expect((await h.worker.activate(license.key, 'Laptop')).ok).toBe(true)
    expect(await storedPolicy()).toMatchObject({ v: 1, grace: (7 * DAY) / 1000 })

    await publish({ products: { notes: { ...DEMO_MANIFEST.products.notes, grace: 'P30D' } } })
    h.advance(13 * HOUR) // past half the re-check interval: a re-check is due
    await h.worker.recheckIfDue()

    expect(await storedPolicy()).toMatchObject({ v: 2, grace: (30 * DAY) / 1000 })
    const state = await h.state()
    expect(state.graceEndsAt).toBe(h.clocks.server + DAY + 30 * DAY)
    expect(h.exchanges.map((exchange) => exchange.path)).toEqual([
      '/api/v1/activate',
      '/api/v1/validate',
    ])
  })

  it('is the device’s policy offline from then on, until the next check', async () => {
    const license = await h.createLicense()
    await h.worker.activate(license.key, 'Laptop')
    await publish({ products: { notes: { ...DEMO_MANIFEST.products.notes, grace: 'P2D' } } })
    h.advance(13 * HOUR)
    await h.worker.recheckIfDue()
    h.intercept(async () => {
      throw new TypeError('Failed to fetch')
    })
    h.advance(4 * DAY) // 1 day of re-check and 2 of grace are over; the old policy had 7 of grace
    const state = await h.state()
    expect(state.status).toBe('limited')
    expect(state.features.templates).toBe(false)
  })
})
