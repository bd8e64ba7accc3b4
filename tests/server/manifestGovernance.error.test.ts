import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import { expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

const withProduct = {
  products: {
    ...DEMO_MANIFEST.products,
    other: {
      name: 'Other',
      features: { run: { offline: 'always' } },
      plans: { basic: { features: ['run'] } },
      recheckEvery: 'P1D',
      grace: 'P7D',
      keepCritical: 'P1D',
      seatReleaseAfter: null,
    },
  },
}

describe('a rollback that cannot be made', () => {
  it('answers not_found for a version that never existed', async () => {
    await expectError(
      await server.admin('POST', '/manifest/rollback', { version: 999 }),
      404,
      'not_found',
    )
  })

  it('answers conflict for a version without a product that has licenses now', async () => {
    const added = await server.admin('PUT', '/manifest', withProduct)
    expect(added.status).toBe(201)
    await server.createLicense({ product: 'other', plan: 'basic' })
    const before = await readJson<{ version: number }>(await server.admin('GET', '/manifest'))
    await expectError(
      await server.admin('POST', '/manifest/rollback', { version: 1 }),
      409,
      'conflict',
    )
    const after = await readJson<{ version: number }>(await server.admin('GET', '/manifest'))
    expect(after.version).toBe(before.version)
  })

  const badBodies: [string, unknown][] = [
    ['no version', {}],
    ['a version that is a string', { version: '1' }],
    ['version 0', { version: 0 }],
    ['a fractional version', { version: 1.5 }],
    ['an unknown member', { version: 1, body: {} }],
    ['a note of 501 characters', { version: 1, note: 'n'.repeat(501) }],
  ]
  it.each(badBodies)('answers bad_request for %s', async (_name, body) => {
    await expectError(await server.admin('POST', '/manifest/rollback', body), 400, 'bad_request')
  })
})

describe('a history query that is not one', () => {
  it.each(['0', '501', '-1', '1.5', 'ten', ''])('refuses limit=%s', async (limit) => {
    await expectError(
      await server.admin('GET', `/manifest/history?limit=${limit}`),
      400,
      'bad_request',
    )
  })

  it.each(['0', 'lic_x', '1e3', '99999999999999999'])('refuses cursor=%s', async (cursor) => {
    await expectError(
      await server.admin('GET', `/manifest/history?cursor=${cursor}`),
      400,
      'bad_request',
    )
  })
})

describe('a dry run of a manifest that is not valid', () => {
  it('answers bad_request naming what is wrong, and reports no impact', async () => {
    const answer = await server.request('PUT', '/admin/v1/manifest?dryRun=1', {
      body: { products: { notes: { ...DEMO_MANIFEST.products.notes, grace: 'a week' } } },
      headers: { authorization: `Bearer ${server.data.adminToken}` },
    })
    const { error } = await expectError(answer, 400, 'bad_request')
    expect(error.message).toContain('grace')
  })

  it('answers conflict when it drops a product that has licenses', async () => {
    await server.createLicense()
    const answer = await server.request('PUT', '/admin/v1/manifest?dryRun=1', {
      body: { products: {} },
      headers: { authorization: `Bearer ${server.data.adminToken}` },
    })
    await expectError(answer, 409, 'conflict')
  })
})

describe('the governance routes without the admin token', () => {
  it.each([
    ['GET', '/admin/v1/manifest/history'],
    ['POST', '/admin/v1/manifest/rollback'],
    ['PUT', '/admin/v1/manifest?dryRun=1'],
    ['GET', '/admin/v1/telemetry'],
  ])('refuse %s %s', async (method, path) => {
    const answer = await server.request(method, path, {
      body: method === 'GET' ? undefined : { version: 1 },
    })
    await expectError(answer, 401, 'unauthorized')
  })
})
