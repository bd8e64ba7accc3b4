import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import type { ImpactReport } from '../../src/core/index.ts'
import { DAY, claimsOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

type Manifest = { products: Record<string, Record<string, unknown>> }
interface VersionAnswer {
  version: number
  manifest: Manifest
  author: string
  note: string
  createdAt: number
}
interface HistoryAnswer {
  items: { version: number; author: string; note: string; createdAt: number }[]
  nextCursor: string | null
}
interface DryRunAnswer {
  dryRun: true
  valid: true
  manifest: Manifest
  impact: ImpactReport
}

let server: TestServer

beforeEach(async () => {
  server = await startTestServer()
})

afterEach(async () => {
  await server.close()
})

/** The demo manifest with `change` applied to its notes product. */
function demoWith(change: (notes: Record<string, unknown>) => void): Manifest {
  const manifest = structuredClone(DEMO_MANIFEST) as unknown as Manifest
  const notes = manifest.products.notes
  if (!notes) throw new Error('the demo manifest has no notes product')
  change(notes)
  return manifest
}

function put(body: unknown, query = '', headers: Record<string, string> = {}): Promise<Response> {
  return server.request('PUT', `/admin/v1/manifest${query}`, {
    body,
    headers: { authorization: `Bearer ${server.data.adminToken}`, ...headers },
  })
}

async function dryRun(body: unknown): Promise<DryRunAnswer> {
  const answer = await put(body, '?dryRun=1')
  expect(answer.status).toBe(200)
  return readJson<DryRunAnswer>(answer)
}

function featureRow(impact: ImpactReport, feature: string) {
  return impact.features.find((row) => row.product === 'notes' && row.feature === feature)
}

describe('publishing a manifest', () => {
  it('stores a new version with the author and note from the headers', async () => {
    const answer = await put(
      demoWith((notes) => (notes.grace = 'P10D')),
      '',
      {
        'x-leeway-note': 'longer grace for the holidays',
        'x-leeway-author': 'ci@example.com',
      },
    )
    expect(answer.status).toBe(201)
    expect(await readJson<VersionAnswer>(answer)).toMatchObject({
      version: 2,
      author: 'ci@example.com',
      note: 'longer grace for the holidays',
      createdAt: server.clock.now(),
      manifest: { products: { notes: { grace: 'P10D' } } },
    })
  })

  it('records admin-api as the author when no author header comes', async () => {
    const answer = await put(DEMO_MANIFEST)
    expect(await readJson<VersionAnswer>(answer)).toMatchObject({ author: 'admin-api', note: '' })
  })
})

describe('the manifest history', () => {
  it('lists every version newest first, without bodies, a page at a time', async () => {
    for (const grace of ['P8D', 'P9D', 'P10D', 'P11D']) {
      server.clock.advance(60_000)
      await put(
        demoWith((notes) => (notes.grace = grace)),
        '',
        { 'x-leeway-note': `grace ${grace}` },
      )
    }
    const first = await readJson<HistoryAnswer>(
      await server.admin('GET', '/manifest/history?limit=3'),
    )
    expect(first.items.map((item) => item.version)).toEqual([5, 4, 3])
    expect(first.items[0]).toEqual({
      version: 5,
      author: 'admin-api',
      note: 'grace P11D',
      createdAt: server.clock.now(),
    })
    expect(first.nextCursor).toBe('3')
    const second = await readJson<HistoryAnswer>(
      await server.admin('GET', `/manifest/history?limit=3&cursor=${first.nextCursor}`),
    )
    expect(second.items.map((item) => [item.version, item.author])).toEqual([
      [2, 'admin-api'],
      [1, 'leeway init'],
    ])
    expect(second.nextCursor).toBeNull()
  })
})

describe('a rollback', () => {
  it('publishes the body of the earlier version as a new version by "rollback"', async () => {
    await put(demoWith((notes) => (notes.grace = 'P1D')))
    const answer = await server.admin('POST', '/manifest/rollback', { version: 1 })
    expect(answer.status).toBe(201)
    const rolledBack = await readJson<VersionAnswer>(answer)
    expect(rolledBack).toMatchObject({
      version: 3,
      author: 'rollback',
      note: 'rollback to version 1',
    })
    const current = await readJson<VersionAnswer>(await server.admin('GET', '/manifest'))
    expect(current.version).toBe(3)
    expect(current.manifest).toEqual(DEMO_MANIFEST)
  })

  it('keeps the note it is given', async () => {
    await put(demoWith((notes) => (notes.grace = 'P1D')))
    const answer = await server.admin('POST', '/manifest/rollback', {
      version: 1,
      note: 'grace P1D locked people out',
    })
    expect(await readJson<VersionAnswer>(answer)).toMatchObject({
      note: 'grace P1D locked people out',
    })
  })

  it('reaches the next grant a device gets, like any publish', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)
    await put(demoWith((notes) => (notes.grace = 'P1D')))
    await server.admin('POST', '/manifest/rollback', { version: 1 })
    server.clock.advance(5_000) // past the manifest cache
    const result = await server.validateOne(grant, device)
    if (!result.ok) throw new Error(JSON.stringify(result))
    expect(claimsOf(result.grant).pol).toMatchObject({ v: 3, grace: 7 * 86_400 })
  })
})

describe('a dry run over the devices in the database', () => {
  /**
   * Two devices of a pro license with the demo policy (re-check every day, 7 days of grace): one
   * checked in just now, one 3 days ago. A revoked license, an expired one, a suspended one and a
   * released device are not in good standing and never count.
   */
  async function fleet(): Promise<void> {
    const license = await server.createLicense({ seats: 5 })
    const stale = await server.makeDevice('stale')
    await server.activateOk(license.key, stale)
    const released = await server.makeDevice('released')
    await server.activateOk(license.key, released)
    await server.admin('DELETE', `/licenses/${license.id}/devices/released`)
    for (const action of ['revoke', 'suspend']) {
      const other = await server.createLicense()
      await server.activateOk(other.key, await server.makeDevice())
      await server.admin('POST', `/licenses/${other.id}/${action}`, {})
    }
    const ending = await server.createLicense({ termEnd: server.clock.now() + DAY })
    await server.activateOk(ending.key, await server.makeDevice())
    server.clock.advance(3 * DAY)
    await server.activateOk(license.key, await server.makeDevice('fresh'))
  }

  it('counts only the devices in good standing', async () => {
    await fleet()
    const { impact } = await dryRun(DEMO_MANIFEST)
    expect(impact).toMatchObject({ currentVersion: 1, devicesConsidered: 2, lockouts: 0 })
    expect(impact.features.every((row) => row.now + row.in1d + row.in7d + row.in30d === 0)).toBe(
      true,
    )
  })

  it('shows a shorter grace locking out the device offline for 3 days now, and the fresh one within 7', async () => {
    await fleet()
    const { impact, manifest } = await dryRun(demoWith((notes) => (notes.grace = 'P2D')))
    expect(manifest.products.notes?.grace).toBe('P2D')
    // Stale: 3 days out, past 1 + 2 days under the new policy, still in grace under the old one.
    // Fresh: at 7 days it is past 3 days, but within 1 + 7 under the old policy.
    const window = { product: 'notes', now: 1, in1d: 1, in7d: 1, in30d: 0 }
    expect(featureRow(impact, 'templates')).toEqual({ ...window, feature: 'templates' })
    expect(featureRow(impact, 'export.file')).toEqual({ ...window, feature: 'export.file' })
    // `always` features never depend on the window; `online` ones are off offline either way.
    for (const feature of ['notes.edit', 'notes.search', 'share.link'])
      expect(featureRow(impact, feature)).toMatchObject({ now: 0, in1d: 0, in7d: 0, in30d: 0 })
    expect(impact.lockouts).toBe(1)
    expect(impact.devicesConsidered).toBe(2)
  })

  it('shows a feature taken out of the plan as lost by every device, at every horizon it had it', async () => {
    await fleet()
    const { impact } = await dryRun(
      demoWith((notes) => {
        const plans = notes.plans as Record<string, { features: string[] }>
        const pro = plans.pro
        if (pro) pro.features = pro.features.filter((feature) => feature !== 'notes.search')
      }),
    )
    expect(featureRow(impact, 'notes.search')).toMatchObject({
      now: 2,
      in1d: 2,
      in7d: 2,
      in30d: 2,
    })
    expect(impact.lockouts).toBe(2)
  })

  it('shows a window feature made `always` as costing nobody anything', async () => {
    await fleet()
    const { impact } = await dryRun(
      demoWith((notes) => {
        const features = notes.features as Record<string, { offline: string }>
        if (features.templates) features.templates.offline = 'always'
      }),
    )
    expect(impact.lockouts).toBe(0)
    expect(featureRow(impact, 'templates')).toMatchObject({ now: 0, in7d: 0, in30d: 0 })
  })

  it('publishes nothing', async () => {
    await fleet()
    await dryRun(demoWith((notes) => (notes.grace = 'P2D')))
    const history = await readJson<HistoryAnswer>(await server.admin('GET', '/manifest/history'))
    expect(history.items).toHaveLength(1)
  })

  it('uses a license’s own grace over the product’s', async () => {
    const license = await server.createLicense({ grace: 'P30D' })
    await server.activateOk(license.key, await server.makeDevice())
    server.clock.advance(5 * DAY)
    const { impact } = await dryRun(demoWith((notes) => (notes.grace = 'P2D')))
    expect(impact.lockouts).toBe(0)
  })
})
