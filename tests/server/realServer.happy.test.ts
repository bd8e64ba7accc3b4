import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import type { Deployment } from '../../server/deployment/openDeployment.ts'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import {
  createKeyRing,
  exportKey,
  generateEcKeyPair,
  signProof,
  thumbprint,
  toPublicJwk,
  verifyGrant,
} from '../../src/core/index.ts'
import type { CryptoKey, GrantClaims, PublicJwk } from '../../src/core/index.ts'
import { DAY, claimsOf, createClock, createTestDatabase } from './helpers/testServer.ts'
import type { TestDatabase } from './helpers/testServer.ts'
import type { ApiErrorBody, CreatedLicense, GrantBody, ValidateBody } from './helpers/testServer.ts'

// The network itself is under test here: a real port, real sockets, global fetch.
let dir: string
let database: TestDatabase
let data: Deployment
let running: RunningServer
const clock = createClock()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leeway-real-server-'))
  database = await createTestDatabase()
  data = await openDeployment(dir, { ...database.options, seedDemo: false, now: clock.now })
  running = await listen(data, { port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await running.close()
  await data.store.close()
  await database.drop()
  rmSync(dir, { recursive: true, force: true })
})

interface Phone {
  id: string
  publicKey: PublicJwk
  privateKey: CryptoKey
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  admin = false,
): Promise<Response> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (admin) headers.authorization = `Bearer ${data.adminToken}`
  return fetch(`${running.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

async function newPhone(id: string): Promise<Phone> {
  const pair = await generateEcKeyPair(false)
  return {
    id,
    publicKey: toPublicJwk(await exportKey(pair.publicKey)),
    privateKey: pair.privateKey,
  }
}

async function verified(grant: string, certs: string[]): Promise<GrantClaims> {
  return verifyGrant(grant, await createKeyRing(data.rootPublicJwk, certs), { now: clock.now() })
}

describe('the license server on a real port', () => {
  it('listens on 127.0.0.1 and answers /healthz', async () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const response = await fetch(`${running.url}/healthz`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('activates up to the seat limit, validates, and answers a revocation after the admin revokes', async () => {
    const created = await call(
      'POST',
      '/admin/v1/licenses',
      { product: 'notes', plan: 'pro', seats: 2, termEnd: clock.now() + 90 * DAY },
      true,
    )
    expect(created.status).toBe(201)
    const license = (await created.json()) as CreatedLicense

    const phones = [await newPhone('phone-1'), await newPhone('phone-2'), await newPhone('phone-3')]
    const activate = (phone: Phone) =>
      call('POST', '/api/v1/activate', {
        licenseKey: license.key,
        device: { id: phone.id, name: 'Phone', platform: 'android', publicKey: phone.publicKey },
      })

    const grants: GrantBody[] = []
    for (const phone of phones.slice(0, 2)) {
      const response = await activate(phone)
      expect(response.status).toBe(200)
      grants.push((await response.json()) as GrantBody)
    }
    const third = await activate(phones[2] as Phone)
    expect(third.status).toBe(409)
    expect(((await third.json()) as ApiErrorBody).error.code).toBe('seat_limit_reached')

    const [first] = grants
    const phone = phones[0] as Phone
    if (!first) throw new Error('no first grant')
    const claims = await verified(first.grant, first.certs)
    expect(claims.cnf.jkt).toBe(await thumbprint(phone.publicKey))

    const check = async (grant: string) => ({
      grant,
      proof: await signProof(
        { jti: claimsOf(grant).jti, ts: Math.floor(clock.now() / 1000) },
        phone.privateKey,
      ),
    })
    const validated = await call('POST', '/api/v1/validate', { checks: [await check(first.grant)] })
    expect(validated.status).toBe(200)
    const body = (await validated.json()) as ValidateBody
    const [result] = body.results
    if (!result?.ok) throw new Error(`validate failed: ${JSON.stringify(result)}`)
    const active = await verified(result.grant, body.certs)
    expect(active.status).toBe('active')
    expect(active.seq).toBeGreaterThan(claims.seq)

    expect(
      (await call('POST', `/admin/v1/licenses/${license.id}/revoke`, { reason: 'refund' }, true))
        .status,
    ).toBe(200)
    const after = (await (
      await call('POST', '/api/v1/validate', { checks: [await check(result.grant)] })
    ).json()) as ValidateBody
    const [revocation] = after.results
    if (!revocation?.ok) throw new Error(`validate failed: ${JSON.stringify(revocation)}`)
    expect(await verified(revocation.grant, after.certs)).toMatchObject({
      status: 'revoked',
      rsn: 'revoked',
      dev: phone.id,
    })

    // What the server answered "done" for is in the database: a second connection reads it.
    const reader = database.openReader(dir)
    try {
      const row = await reader
        .selectFrom('licenses')
        .select(['status', 'status_reason'])
        .where('id', '=', license.id)
        .executeTakeFirst()
      expect(row).toEqual({ status: 'revoked', status_reason: 'refund' })
      const seats = await reader
        .selectFrom('devices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('license_id', '=', license.id)
        .where('state', '=', 'active')
        .executeTakeFirst()
      expect(seats).toEqual({ n: 2 })
    } finally {
      await reader.destroy()
    }
  })

  it('refuses admin calls without the token over the network too', async () => {
    const response = await call('POST', '/admin/v1/keys/rotate')
    expect(response.status).toBe(401)
    expect(((await response.json()) as ApiErrorBody).error.code).toBe('unauthorized')
  })
})
