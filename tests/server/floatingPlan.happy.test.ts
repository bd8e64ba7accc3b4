import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Manifest } from '../../src/core/index.ts'

// A plan sold to teams floats by default (#15): `plans.team.floating` in the manifest gives the
// settings of each license created on it, unless the vendor says otherwise for one license.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
  const { manifest } = await readJson<{ manifest: Manifest }>(
    await server.admin('GET', '/manifest'),
  )
  const notes = manifest.products.notes
  if (!notes) throw new Error('no notes product')
  notes.plans.team = {
    features: notes.plans.pro?.features ?? [],
    floating: { maxConcurrent: 5, leaseLength: 'PT20M', maxBorrow: 'P3D' },
  }
  expect((await server.admin('PUT', '/manifest', manifest)).status).toBe(201)
})

afterAll(async () => {
  await server.close()
})

async function create(body: Record<string, unknown>): Promise<CreatedLicense> {
  const response = await server.admin('POST', '/licenses', {
    product: 'notes',
    seats: 20,
    ...body,
  })
  expect(response.status).toBe(201)
  return readJson<CreatedLicense>(response)
}

describe('a plan with floating settings in the manifest', () => {
  it('makes each license created on it floating with those settings', async () => {
    const license = await create({ plan: 'team' })
    expect(license.floating).toEqual({ maxConcurrent: 5, leaseLength: 'PT20M', maxBorrow: 'P3D' })
    const device = await server.makeDevice()
    const body = await server.activateOk(license.key, device)
    const claims = await server.verify(body.grant, body.certs)
    expect(claims.lse).toBe('lease')
    expect(claims.flt).toMatchObject({ max: 5, lease: 20 * 60, borrow: 3 * 86_400 })
  })

  it('gives way to the settings given for one license, and to null for a node-locked one', async () => {
    const own = await create({
      plan: 'team',
      floating: { maxConcurrent: 2, leaseLength: 'PT5M' },
    })
    expect(own.floating).toMatchObject({ maxConcurrent: 2, leaseLength: 'PT5M' })
    const nodeLocked = await create({ plan: 'team', floating: null })
    expect(nodeLocked.floating ?? null).toBeNull()
  })

  it('leaves other plans node-locked', async () => {
    expect((await create({ plan: 'pro' })).floating ?? null).toBeNull()
  })

  it('refuses a manifest whose plan floats with no slot, and keeps the one in force', async () => {
    const { manifest, version } = await readJson<{ manifest: Manifest; version: number }>(
      await server.admin('GET', '/manifest'),
    )
    const broken = structuredClone(manifest)
    const team = broken.products.notes?.plans.team
    if (!team?.floating) throw new Error('no team plan')
    team.floating.maxConcurrent = 0
    const refused = await server.admin('PUT', '/manifest', broken)
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('products.notes.plans.team.floating.maxConcurrent')
    const after = await readJson<{ version: number }>(await server.admin('GET', '/manifest'))
    expect(after.version).toBe(version)
  })
})
