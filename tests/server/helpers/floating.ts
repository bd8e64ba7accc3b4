import type { FloatingSettings, ProofEndpoint } from '../../../src/core/index.ts'
import { DAY, MINUTE, readJson } from './testServer.ts'
import type { CreatedLicense, Device, GrantBody, TestServer, claimsOf } from './testServer.ts'

export const LEASE: ProofEndpoint = { htm: 'POST', htu: '/api/v1/lease' }
export const BORROW: ProofEndpoint = { htm: 'POST', htu: '/api/v1/lease/borrow' }
export const RELEASE: ProofEndpoint = { htm: 'POST', htu: '/api/v1/lease/release' }

export const LEASE_LENGTH = 15 * MINUTE

/** A floating license: 3 at once, 15-minute leases, borrowing up to 7 days, 50 devices may register. */
export function createFloatingLicense(
  server: TestServer,
  floating: Partial<FloatingSettings> = {},
  seats = 50,
): Promise<CreatedLicense> {
  return server.createLicense({
    seats,
    termEnd: server.clock.now() + 365 * DAY,
    floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P7D', ...floating },
  })
}

/** Calls a lease endpoint with `grant` and a fresh proof of `device` made for it. */
export async function leaseCall(
  server: TestServer,
  endpoint: ProofEndpoint,
  grant: string,
  device: Device,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  return server.post(endpoint.htu, { ...(await server.check(grant, device, endpoint)), ...extra })
}

/** A lease call that must answer a grant; returns it and its claims. */
export async function leaseOk(
  server: TestServer,
  endpoint: ProofEndpoint,
  grant: string,
  device: Device,
  extra: Record<string, unknown> = {},
): Promise<{ grant: string; claims: ReturnType<typeof claimsOf> }> {
  const response = await leaseCall(server, endpoint, grant, device, extra)
  if (response.status !== 200)
    throw new Error(`${endpoint.htu} failed: ${response.status} ${await response.text()}`)
  const body = await readJson<GrantBody>(response)
  return { grant: body.grant, claims: await server.verify(body.grant, body.certs) }
}

/** The leases live at the server's `now` that count (active devices), by device id. */
export async function liveLeases(server: TestServer, licenseId: string): Promise<string[]> {
  const rows = await server.data.store.listLiveLeases(licenseId, server.clock.now())
  return rows.map((row) => row.device_id).sort()
}
