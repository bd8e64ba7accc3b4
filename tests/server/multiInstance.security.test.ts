import { describe, expect, it } from 'vitest'
import { createApp } from '../../server/app.ts'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import type { Deployment } from '../../server/deployment/openDeployment.ts'
import { createServices } from '../../server/services.ts'
import { StoreRateLimiter } from '../../server/services/StoreRateLimiter.ts'
import { exportKey, generateEcKeyPair, toPublicJwk } from '../../src/core/index.ts'
import type { PublicJwk } from '../../src/core/index.ts'
import { startServerProcess } from './helpers/serverProcess.ts'
import type { ServerProcess } from './helpers/serverProcess.ts'
import {
  BACKEND,
  DAY,
  GENEROUS_LIMITS,
  claimsOf,
  createClock,
  testDeployments,
} from './helpers/testServer.ts'
import type { ApiErrorBody, GrantBody, TestDatabase } from './helpers/testServer.ts'

// Several instances on one database: PostgreSQL's reason to exist here. On SQLite, where one
// process owns the file, the same checks run against that one process.

const { freshFolder, afterTest } = testDeployments('leeway-instances-')

async function open(dir: string, database: TestDatabase, now?: () => number): Promise<Deployment> {
  const data = await openDeployment(dir, { ...database.options, ...(now ? { now } : {}) })
  afterTest(() => data.store.close())
  return data
}

async function publicKey(): Promise<PublicJwk> {
  return toPublicJwk(await exportKey((await generateEcKeyPair(false)).publicKey))
}

describe(`50 devices activating one 3-seat license at once (${BACKEND === 'postgres' ? 'two server processes on one PostgreSQL' : 'one server process on SQLite'})`, () => {
  it('gives exactly 3 seats; the other 47 get seat_limit_reached; the database holds 3 active devices', async () => {
    const { dir, database } = await freshFolder()
    const setup = await openDeployment(dir, database.options)
    const license = await createServices(setup.deps()).admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 3,
      termEnd: Date.now() + 30 * DAY,
    })
    await setup.store.close()

    const count = BACKEND === 'postgres' ? 2 : 1
    const servers: ServerProcess[] = []
    for (const started of await Promise.all(
      Array.from({ length: count }, () => startServerProcess(dir, database)),
    )) {
      servers.push(started)
      afterTest(() => started.stop())
    }

    const keys = await Promise.all(Array.from({ length: 50 }, () => publicKey()))
    const responses = await Promise.all(
      keys.map(async (key, i) => {
        const server = servers[i % servers.length] as ServerProcess
        const response = await fetch(`${server.url}/api/v1/activate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            licenseKey: license.key,
            device: { id: `racer-${i}`, name: 'Racer', platform: 'linux', publicKey: key },
          }),
        })
        return { status: response.status, body: (await response.json()) as unknown }
      }),
    )

    const won = responses.filter((r) => r.status === 200)
    const lost = responses.filter((r) => r.status !== 200)
    expect(won).toHaveLength(3)
    expect(lost).toHaveLength(47)
    for (const r of lost) {
      expect(r.status).toBe(409)
      expect((r.body as ApiErrorBody).error.code).toBe('seat_limit_reached')
    }

    const reader = database.openReader(dir)
    afterTest(() => reader.destroy())
    const devices = await reader
      .selectFrom('devices')
      .select(['device_id', 'state'])
      .where('license_id', '=', license.id)
      .execute()
    expect(devices).toHaveLength(3)
    expect(devices.every((d) => d.state === 'active')).toBe(true)
    expect(devices.map((d) => d.device_id).sort()).toEqual(
      won.map((r) => claimsOf((r.body as GrantBody).grant).dev).sort(),
    )
  })
})

describe('rate limits on a database shared by two instances', () => {
  it('lets 3 activations from one address through in all, wherever they land, then answers 429', async () => {
    const { dir, database } = await freshFolder()
    const clock = createClock()
    const [a, b] = [await open(dir, database, clock.now), await open(dir, database, clock.now)]
    const limits = { ...GENEROUS_LIMITS, activationsPerAddress: { capacity: 3, perMinute: 1 } }
    // `store` is what PostgreSQL gets by default; on SQLite the same limiter is forced here.
    const apps = [a, b].map((data) =>
      createApp(data.deps({ limits, rateLimits: 'store', trustedProxies: 1 })),
    )
    const license = await createServices(a.deps()).admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 10,
      termEnd: clock.now() + 30 * DAY,
    })

    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const app = apps[i % 2]
      if (!app) throw new Error('no app')
      const response = await app.request('/api/v1/activate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.9' },
        body: JSON.stringify({
          licenseKey: license.key,
          device: {
            id: `shared-${i}`,
            name: 'Shared',
            platform: 'linux',
            publicKey: await publicKey(),
          },
        }),
      })
      statuses.push(response.status)
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429])
  })

  it('takes exactly `capacity` tokens from 40 concurrent takes through two connections', async () => {
    const { dir, database } = await freshFolder()
    const clock = createClock()
    const [a, b] = [await open(dir, database, clock.now), await open(dir, database, clock.now)]
    const limit = { capacity: 5, perMinute: 1 }
    const limiters = [a, b].map(
      (data) => new StoreRateLimiter(data.store, 'race', limit, clock.now),
    )
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (limiters[i % 2] as StoreRateLimiter).take('one-key')),
    )
    expect(decisions.filter((d) => d.ok)).toHaveLength(5)
    // One token a minute, none left: the next is a minute away.
    for (const d of decisions.filter((d) => !d.ok))
      expect(d).toEqual({ ok: false, retryAfterSeconds: 60 })
    clock.advance(60_000)
    expect(await limiters[1]?.take('one-key')).toEqual({ ok: true })
  })
})
