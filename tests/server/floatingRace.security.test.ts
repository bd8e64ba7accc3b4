import { describe, expect, it } from 'vitest'
import type { Hono } from 'hono'
import { createApp } from '../../server/app.ts'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import { createServices } from '../../server/services.ts'
import {
  exportKey,
  generateEcKeyPair,
  signProof,
  thumbprint,
  toPublicJwk,
} from '../../src/core/index.ts'
import type { CryptoKey, PublicJwk } from '../../src/core/index.ts'
import { LEASE, LEASE_LENGTH } from './helpers/floating.ts'
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
import type { ApiErrorBody, GrantBody } from './helpers/testServer.ts'

// Exactness of maxConcurrent under races (#15): several instances on PostgreSQL, where the
// license row lock is all that keeps the count; one process on SQLite, which owns its file.

const INSTANCES = BACKEND === 'postgres' ? 2 : 1
const where =
  BACKEND === 'postgres' ? 'two server instances on one PostgreSQL' : 'one server on SQLite'

const { freshFolder, afterTest } = testDeployments('leeway-floating-race-')

interface RaceDevice {
  id: string
  publicKey: PublicJwk
  privateKey: CryptoKey
}

async function raceDevices(count: number): Promise<RaceDevice[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const pair = await generateEcKeyPair(false)
      const publicKey = toPublicJwk(await exportKey(pair.publicKey))
      await thumbprint(publicKey)
      return { id: `racer-${i}`, publicKey, privateKey: pair.privateKey }
    }),
  )
}

function activationBody(key: string, device: RaceDevice): string {
  return JSON.stringify({
    licenseKey: key,
    device: { id: device.id, name: 'Racer', platform: 'linux', publicKey: device.publicKey },
  })
}

describe(`50 devices opening the app at once on a license of 3 at once (${where})`, () => {
  it('activates exactly 3 with a lease; the other 47 get all_leases_in_use and register nothing', async () => {
    const { dir, database } = await freshFolder()
    const setup = await openDeployment(dir, database.options)
    const license = await createServices(setup.deps()).admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 100,
      termEnd: Date.now() + 30 * DAY,
      floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P7D' },
    })
    await setup.store.close()

    const servers: ServerProcess[] = []
    for (const started of await Promise.all(
      Array.from({ length: INSTANCES }, () => startServerProcess(dir, database)),
    )) {
      servers.push(started)
      afterTest(() => started.stop())
    }

    const devices = await raceDevices(50)
    const started = performance.now()
    const responses = await Promise.all(
      devices.map(async (device, i) => {
        const server = servers[i % servers.length] as ServerProcess
        const response = await fetch(`${server.url}/api/v1/activate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: activationBody(license.key, device),
        })
        return { status: response.status, body: (await response.json()) as unknown }
      }),
    )
    const elapsed = performance.now() - started
    console.log(`floating race, 50 activations over ${where}: ${elapsed.toFixed(0)} ms`)

    const won = responses.filter((r) => r.status === 200)
    const lost = responses.filter((r) => r.status !== 200)
    expect(won).toHaveLength(3)
    for (const r of lost) {
      expect(r.status).toBe(409)
      const { error } = r.body as ApiErrorBody
      expect(error.code).toBe('all_leases_in_use')
      expect(error.details).toMatchObject({ maxConcurrent: 3 })
    }
    const winners = won.map((r) => claimsOf((r.body as GrantBody).grant).dev).sort()

    const reader = database.openReader(dir)
    afterTest(() => reader.destroy())
    const leases = await reader
      .selectFrom('leases')
      .select(['device_id', 'kind'])
      .where('license_id', '=', license.id)
      .execute()
    expect(leases.map((l) => l.device_id).sort()).toEqual(winners)
    const registered = await reader
      .selectFrom('devices')
      .select('device_id')
      .where('license_id', '=', license.id)
      .execute()
    expect(registered.map((d) => d.device_id).sort()).toEqual(winners)
  })
})

describe(`50 registered devices renewing lapsed leases at once (${where}, injected clock)`, () => {
  it('gives exactly 3 leases; the other 47 get all_leases_in_use', async () => {
    const { dir, database } = await freshFolder()
    const clock = createClock()
    const apps: Hono[] = []
    for (let i = 0; i < INSTANCES; i++) {
      const data = await openDeployment(dir, { ...database.options, now: clock.now })
      afterTest(() => data.store.close())
      apps.push(createApp(data.deps({ limits: GENEROUS_LIMITS })))
    }
    const [first] = apps
    if (!first) throw new Error('no app')
    const setup = await openDeployment(dir, { ...database.options, now: clock.now })
    afterTest(() => setup.store.close())
    const license = await createServices(setup.deps()).admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 100,
      termEnd: clock.now() + 30 * DAY,
      floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P7D' },
    })

    // Registering takes a lease, so 50 devices register three at a time, each three lapsing
    // before the next.
    const devices = await raceDevices(50)
    const grants: string[] = []
    for (const [i, device] of devices.entries()) {
      if (i > 0 && i % 3 === 0) clock.advance(LEASE_LENGTH)
      const response = await first.request('/api/v1/activate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: activationBody(license.key, device),
      })
      expect(response.status).toBe(200)
      grants.push(((await response.json()) as GrantBody).grant)
    }
    clock.advance(LEASE_LENGTH)

    const ts = Math.floor(clock.now() / 1000)
    const bodies = await Promise.all(
      devices.map(async (device, i) => {
        const grant = grants[i] as string
        const proof = await signProof({ jti: claimsOf(grant).jti, ts, ...LEASE }, device.privateKey)
        return JSON.stringify({ grant, proof })
      }),
    )
    const started = performance.now()
    const responses = await Promise.all(
      bodies.map(async (body, i) => {
        const app = apps[i % apps.length] as Hono
        const response = await app.request('/api/v1/lease', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        return { status: response.status, body: (await response.json()) as unknown }
      }),
    )
    const elapsed = performance.now() - started
    console.log(`floating race, 50 lease renewals over ${where}: ${elapsed.toFixed(0)} ms`)

    const won = responses.filter((r) => r.status === 200)
    expect(won).toHaveLength(3)
    for (const r of responses.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(409)
      expect((r.body as ApiErrorBody).error.code).toBe('all_leases_in_use')
    }
    const live = await setup.store.listLiveLeases(license.id, clock.now())
    expect(live.map((l) => l.device_id).sort()).toEqual(
      won.map((r) => claimsOf((r.body as GrantBody).grant).dev).sort(),
    )
  })
})
