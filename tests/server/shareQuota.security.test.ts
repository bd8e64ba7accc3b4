import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../server/observability/logger.ts'
import { SHARE_LIFETIME_MS, SHARE_QUOTA } from '../../server/services/ShareService.ts'
import { startShareSweep } from '../../server/services/shareSweep.ts'
import {
  CREATE_SHARE,
  DAY,
  expectError,
  readJson,
  startTestServer,
  stopShare,
} from './helpers/testServer.ts'
import type { Device, TestServer } from './helpers/testServer.ts'

// Issue #11, item 6: one license stored 400 shares of 50 KB in 1.7 s, and expired shares were
// never deleted. Each license now has a quota of live shares, and expired ones are swept.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

interface Sharer {
  licenseId: string
  share(title: string, body: string): Promise<Response>
  stop(id: string): Promise<Response>
}

async function sharer(): Promise<Sharer> {
  const license = await server.createLicense()
  const device: Device = await server.makeDevice()
  const { grant } = await server.activateOk(license.key, device)
  return {
    licenseId: license.id,
    share: async (title, body) =>
      server.post('/api/v1/shares', {
        ...(await server.check(grant, device, CREATE_SHARE)),
        title,
        body,
      }),
    stop: async (id) =>
      server.request('DELETE', `/api/v1/shares/${id}`, {
        body: await server.check(grant, device, stopShare(id)),
      }),
  }
}

async function sharesOf(licenseId: string): Promise<{ id: string; expires_at: number }[]> {
  return server.reader
    .selectFrom('shares')
    .select(['id', 'expires_at'])
    .where('license_id', '=', licenseId)
    .execute()
}

async function fill(s: Sharer, count: number, body = 'x'): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const response = await s.share(`Note ${i}`, body)
    expect(response.status).toBe(201)
    ids.push((await readJson<{ id: string }>(response)).id)
  }
  return ids
}

describe('shares of one license', () => {
  it(`Should not store more than ${SHARE_QUOTA.shares} live shares - the next is 409 conflict and not stored, and stopping one makes room`, async () => {
    const s = await sharer()
    const ids = await fill(s, SHARE_QUOTA.shares)
    const before = (await server.snapshot()).shares

    const refused = await expectError(await s.share('One more', 'x'), 409, 'conflict')
    expect(refused.error.message).toContain('stop sharing one')
    // The proof is used up, as any verified one is; no share is added.
    expect((await server.snapshot()).shares).toEqual(before)

    expect((await s.stop(ids[0] ?? '')).status).toBe(204)
    expect((await s.share('One more', 'x')).status).toBe(201)
  })

  it('Should not store more than the character quota - 50,000-character notes are refused once the next would pass it', async () => {
    const s = await sharer()
    const body = 'x'.repeat(50_000)
    const fits = Math.floor(SHARE_QUOTA.characters / (body.length + 'Note 00'.length))
    await fill(s, fits, body)
    await expectError(await s.share('Note 99', body), 409, 'conflict')
    // A short note still fits beside them.
    expect((await s.share('Short', 'x')).status).toBe(201)
  })

  it('lets exactly the remaining room through when 20 shares race at the quota less 5', async () => {
    const s = await sharer()
    await fill(s, SHARE_QUOTA.shares - 5)
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await s.share(`Race ${i}`, 'x')).status),
    )
    expect(statuses.filter((status) => status === 201)).toHaveLength(5)
    expect(statuses.filter((status) => status === 409)).toHaveLength(15)
    expect(await sharesOf(s.licenseId)).toHaveLength(SHARE_QUOTA.shares)
  })

  it('does not count expired shares, and deletes the license’s expired ones when it shares again', async () => {
    const s = await sharer()
    await fill(s, SHARE_QUOTA.shares)
    server.clock.advance(SHARE_LIFETIME_MS)
    try {
      expect((await s.share('After a month', 'x')).status).toBe(201)
      expect(await sharesOf(s.licenseId)).toHaveLength(1)
    } finally {
      server.clock.advance(-SHARE_LIFETIME_MS)
    }
  })
})

describe('the expiry sweep', () => {
  it('deletes expired shares of every license from the database, and keeps live ones', async () => {
    const early = await sharer()
    await fill(early, 3)
    server.clock.advance(20 * DAY)
    const late = await sharer()
    const live = await fill(late, 2)
    server.clock.advance(10 * DAY)
    const sweeper = startShareSweep(server.data.store, server.clock.now, silentLogger())
    try {
      await sweeper.sweep()
      expect(await sharesOf(early.licenseId)).toEqual([])
      expect((await sharesOf(late.licenseId)).map((share) => share.id).sort()).toEqual(live.sort())
      const expired = await server.reader
        .selectFrom('shares')
        .select('id')
        .where('expires_at', '<=', server.clock.now())
        .execute()
      expect(expired).toEqual([])
    } finally {
      sweeper.stop()
      server.clock.advance(-30 * DAY)
    }
  })
})
