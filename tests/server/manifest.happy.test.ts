import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

type ManifestAnswer = { version: number; manifest: { products: Record<string, { grace: string }> } }

async function currentManifest(): Promise<ManifestAnswer> {
  return readJson<ManifestAnswer>(await server.admin('GET', '/manifest'))
}

describe('a dry run of a new manifest', () => {
  it('validates it and publishes nothing', async () => {
    const before = await currentManifest()
    const candidate = structuredClone(before.manifest)
    const notes = candidate.products.notes
    if (!notes) throw new Error('the demo manifest has no notes product')
    notes.grace = 'P30D'
    const answer = await server.request('PUT', '/admin/v1/manifest?dryRun=1', {
      body: candidate,
      headers: { authorization: `Bearer ${server.data.adminToken}` },
    })
    expect(answer.status).toBe(200)
    expect(await readJson<unknown>(answer)).toMatchObject({ dryRun: true, valid: true })
    const after = await currentManifest()
    expect(after.version).toBe(before.version)
    expect(after.manifest.products.notes?.grace).toBe('P7D')
  })

  it('reports an invalid manifest as bad_request', async () => {
    const answer = await server.request('PUT', '/admin/v1/manifest?dryRun=1', {
      body: { products: { notes: { name: 'x' } } },
      headers: { authorization: `Bearer ${server.data.adminToken}` },
    })
    expect(answer.status).toBe(400)
  })
})

describe('a manifest that drops a product which still has licenses', () => {
  it('is refused with conflict, and the current version stays', async () => {
    await server.createLicense()
    const before = await currentManifest()
    const answer = await server.admin('PUT', '/manifest', { products: {} })
    expect(answer.status).toBe(409)
    expect(await readJson<{ error: { code: string } }>(answer)).toMatchObject({
      error: { code: 'conflict' },
    })
    expect((await currentManifest()).version).toBe(before.version)
  })
})

describe('the admin token scheme', () => {
  it('accepts "bearer" in any case, as HTTP schemes are case-insensitive', async () => {
    const answer = await server.request('GET', '/admin/v1/licenses', {
      headers: { authorization: `bearer ${server.data.adminToken}` },
    })
    expect(answer.status).toBe(200)
  })
})

describe('a license whose recheckEvery is zero', () => {
  it('is refused: its grants would verify on no device', async () => {
    const answer = await server.admin('POST', '/licenses', {
      product: 'notes',
      plan: 'pro',
      seats: 1,
      recheckEvery: 'PT0S',
    })
    expect(answer.status).toBe(400)
  })
})
