import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import { silentLogger } from '../../server/observability/logger.ts'
import type { ProofEndpoint } from '../../src/core/index.ts'
import { BORROW, LEASE, RELEASE } from './helpers/floating.ts'
import { metricValue } from './helpers/metricsText.ts'
import { DAY, GENEROUS_LIMITS, claimsOf, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, GrantBody, TestServer } from './helpers/testServer.ts'

// Issue #15: what a vendor's Prometheus sees of floating licenses, scraped from a real server on
// loopback as the scraper would (the metrics of `listen`, not of an app built by the test).

let server: TestServer
let running: RunningServer

beforeAll(async () => {
  server = await startTestServer()
  running = await listen(
    server.data,
    { port: 0, host: '127.0.0.1' },
    { logger: silentLogger(), limits: GENEROUS_LIMITS },
  )
})

afterAll(async () => {
  await running.close()
  await server.close()
})

async function call(method: string, path: string, body?: unknown, admin = false) {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (admin) headers.authorization = `Bearer ${server.data.adminToken}`
  return fetch(`${running.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

/** `leeway_leases_total` by outcome, as scraped now. */
async function leaseCounts(): Promise<Record<string, number | undefined>> {
  const response = await call('GET', '/metrics', undefined, true)
  expect(response.status).toBe(200)
  const text = await response.text()
  const outcomes = ['taken', 'renewed', 'borrowed', 'released', 'ended_by_admin', 'denied']
  return Object.fromEntries(
    outcomes.map((outcome) => [outcome, metricValue(text, 'leeway_leases_total', { outcome })]),
  )
}

async function createLicense(floating: unknown): Promise<CreatedLicense> {
  const response = await call(
    'POST',
    '/admin/v1/licenses',
    { product: 'notes', plan: 'pro', seats: 10, termEnd: server.clock.now() + 365 * DAY, floating },
    true,
  )
  expect(response.status).toBe(201)
  return (await response.json()) as CreatedLicense
}

/** Activates `device`; answers the grant, or the status and code of the refusal. */
async function activate(license: CreatedLicense, device: Device): Promise<GrantBody | string> {
  const { id, name, platform, publicKey } = device
  const response = await call('POST', '/api/v1/activate', {
    licenseKey: license.key,
    device: { id, name, platform, publicKey },
  })
  if (response.ok) return (await response.json()) as GrantBody
  return `${response.status} ${((await response.json()) as { error: { code: string } }).error.code}`
}

/** A lease call with a fresh proof bound to it; answers the new grant, or the status and code. */
async function lease(
  endpoint: ProofEndpoint,
  grant: string,
  device: Device,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const check = await server.check(grant, device, endpoint)
  const response = await call('POST', endpoint.htu, { ...check, ...extra })
  if (response.ok) return ((await response.json()) as GrantBody).grant
  return `${response.status} ${((await response.json()) as { error: { code: string } }).error.code}`
}

function grantOf(answer: GrantBody | string): string {
  if (typeof answer === 'string') throw new Error(`expected a grant, got ${answer}`)
  return answer.grant
}

describe('leeway_leases_total on a real server', () => {
  it('starts every outcome at zero, so a rate of denials exists before the first one', async () => {
    expect(await leaseCounts()).toEqual({
      taken: 0,
      renewed: 0,
      borrowed: 0,
      released: 0,
      ended_by_admin: 0,
      denied: 0,
    })
  })

  it('counts slots taken, renewed, borrowed, denied, released and ended by an admin, each once', async () => {
    const before = await leaseCounts()
    const delta = async () => {
      const now = await leaseCounts()
      return Object.fromEntries(
        Object.entries(now).map(([outcome, count]) => [
          outcome,
          (count ?? NaN) - (before[outcome] ?? NaN),
        ]),
      )
    }
    const license = await createLicense({
      maxConcurrent: 2,
      leaseLength: 'PT15M',
      maxBorrow: 'P7D',
    })
    const [laptop, desktop, tablet] = [
      await server.makeDevice(),
      await server.makeDevice(),
      await server.makeDevice(),
    ] as [Device, Device, Device]

    // Two activations take the two slots; the third is denied and registers nothing.
    let laptopGrant = grantOf(await activate(license, laptop))
    const desktopGrant = grantOf(await activate(license, desktop))
    expect(await activate(license, tablet)).toBe('409 all_leases_in_use')
    expect(await delta()).toMatchObject({ taken: 2, denied: 1, renewed: 0 })

    // The laptop renews its live lease; the desktop turns its lease into a borrow.
    server.clock.advance(60_000)
    laptopGrant = await lease(LEASE, laptopGrant, laptop)
    expect(claimsOf(laptopGrant).lse).toBe('lease')
    const borrowed = await lease(BORROW, desktopGrant, desktop, {
      until: server.clock.now() + 3 * DAY,
    })
    expect(claimsOf(borrowed).lse).toBe('borrow')
    expect(await delta()).toMatchObject({ taken: 2, renewed: 1, borrowed: 1, denied: 1 })

    // The laptop closes the app: its slot goes to the tablet, and the laptop is then denied.
    await lease(RELEASE, laptopGrant, laptop)
    grantOf(await activate(license, tablet))
    expect(await lease(LEASE, laptopGrant, laptop)).toBe('409 all_leases_in_use')
    expect(await delta()).toMatchObject({ taken: 3, released: 1, denied: 2 })

    // The vendor ends the tablet's lease from the admin API: the laptop gets the slot.
    const ended = await call(
      'DELETE',
      `/admin/v1/licenses/${license.id}/leases/${tablet.id}`,
      undefined,
      true,
    )
    expect(ended.status).toBe(200)
    expect(claimsOf(await lease(LEASE, laptopGrant, laptop)).lse).toBe('lease')
    expect(await delta()).toEqual({
      taken: 4,
      renewed: 1,
      borrowed: 1,
      released: 1,
      ended_by_admin: 1,
      denied: 2,
    })
    // Ending a lease that is no longer live is refused, and not counted.
    const again = await call(
      'DELETE',
      `/admin/v1/licenses/${license.id}/leases/${tablet.id}`,
      undefined,
      true,
    )
    expect(again.status).toBe(404)
    expect((await delta()).ended_by_admin).toBe(1)
  })

  it('leaves the lease counts alone for node-locked licenses', async () => {
    const before = await leaseCounts()
    const license = await createLicense(null)
    const device = await server.makeDevice()
    const grant = grantOf(await activate(license, device))
    expect(await lease(LEASE, grant, device)).toBe('409 conflict')
    expect(await leaseCounts()).toEqual(before)
  })
})
