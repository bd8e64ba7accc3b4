import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import { createRequestCode } from '../../src/core/index.ts'
import { hs256Grant, unsecuredGrant } from './helpers/forge.ts'
import { claimsOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer } from './helpers/testServer.ts'

let server: TestServer

/** What the rows build their requests from: a license with one activated device. */
interface Context {
  license: CreatedLicense
  device: Device
  /** A second device, not activated: a well-formed body for activation. */
  fresh: Device
  grant: string
  cert: string
  /** A current proof for `grant` by `device`; each row that sends it sends it once. */
  proof: () => Promise<string>
  requestCode: string
}

let ctx: Context

beforeAll(async () => {
  server = await startTestServer()
  const license = await server.createLicense({ seats: 3 })
  const device = await server.makeDevice()
  const fresh = await server.makeDevice()
  const { grant, certs } = await server.activateOk(license.key, device)
  const cert = certs[0]
  if (cert === undefined) throw new Error('activation answered no certificate')
  const requestCode = await createRequestCode(
    {
      dev: fresh.id,
      jwk: fresh.publicKey,
      ts: Math.floor(server.clock.now() / 1000),
      name: 'n',
      platform: 'p',
    },
    fresh.privateKey,
  )
  ctx = {
    license,
    device,
    fresh,
    grant,
    cert,
    proof: () => server.proof(grant, device),
    requestCode,
  }
})

afterAll(async () => {
  await server.close()
})

const JSON_TYPE = { 'content-type': 'application/json' }

function deviceBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { id, name, platform, publicKey } = ctx.fresh
  return { id, name, platform, publicKey, ...overrides }
}

const activate = (body: unknown) => server.post('/api/v1/activate', body)
const validate = (body: unknown) => server.post('/api/v1/validate', body)
const deactivate = (body: unknown) => server.post('/api/v1/deactivate', body)
const offline = (body: unknown) => server.post('/api/v1/offline/activate', body)
const raw = async (path: string, body: string, headers: Record<string, string>) =>
  server.app.request(path, { method: 'POST', body, headers })
const admin = (method: string, path: string, body?: unknown) => server.admin(method, path, body)
const adminRaw = async (method: string, path: string, body: string, type = 'application/json') =>
  server.app.request(`/admin/v1${path}`, {
    method,
    body,
    headers: { authorization: `Bearer ${server.data.adminToken}`, 'content-type': type },
  })

const newLicense = (overrides: Record<string, unknown>) =>
  admin('POST', '/licenses', { product: 'notes', plan: 'pro', seats: 1, ...overrides })

/** A copy of the demo manifest with the notes product changed by `edit`. */
function manifestWith(edit: (notes: Record<string, unknown>) => void): unknown {
  const manifest = structuredClone(DEMO_MANIFEST) as unknown as {
    products: { notes: Record<string, unknown> }
  }
  edit(manifest.products.notes)
  return manifest
}

async function unsecured(): Promise<string> {
  return unsecuredGrant(claimsOf(ctx.grant), (await server.data.keys.signer()).kid)
}

async function hs256(): Promise<string> {
  // The HMAC secret is the signing key's public certificate: something an attacker can read.
  return hs256Grant(claimsOf(ctx.grant), (await server.data.keys.signer()).kid, ctx.cert)
}

interface Row {
  name: string
  send: () => Promise<Response>
  status: number
  code: string
}

const rows: Row[] = [
  // POST /api/v1/activate
  {
    name: 'activate: body that is not JSON',
    send: () => raw('/api/v1/activate', '{"licenseKey": ', JSON_TYPE),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: JSON sent as text/plain',
    send: () =>
      raw(
        '/api/v1/activate',
        JSON.stringify({ licenseKey: ctx.license.key, device: deviceBody() }),
        { 'content-type': 'text/plain' },
      ),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: JSON sent without a content type',
    send: () =>
      raw(
        '/api/v1/activate',
        JSON.stringify({ licenseKey: ctx.license.key, device: deviceBody() }),
        {},
      ),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a form post',
    send: () =>
      raw('/api/v1/activate', `licenseKey=${ctx.license.key}`, {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a JSON array',
    send: () => activate([ctx.license.key]),
    status: 400,
    code: 'bad_request',
  },
  { name: 'activate: JSON null', send: () => activate(null), status: 400, code: 'bad_request' },
  {
    name: 'activate: no licenseKey',
    send: () => activate({ device: deviceBody() }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: an empty licenseKey',
    send: () => activate({ licenseKey: '', device: deviceBody() }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: licenseKey as a number',
    send: () => activate({ licenseKey: 12345, device: deviceBody() }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a 101-character licenseKey',
    send: () => activate({ licenseKey: 'A'.repeat(101), device: deviceBody() }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: no device',
    send: () => activate({ licenseKey: ctx.license.key }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: device id with a slash',
    send: () => activate({ licenseKey: ctx.license.key, device: deviceBody({ id: 'a/b' }) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a 129-character device id',
    send: () =>
      activate({ licenseKey: ctx.license.key, device: deviceBody({ id: 'd'.repeat(129) }) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: device id as a number',
    send: () => activate({ licenseKey: ctx.license.key, device: deviceBody({ id: 42 }) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a 101-character device name',
    send: () =>
      activate({ licenseKey: ctx.license.key, device: deviceBody({ name: 'n'.repeat(101) }) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: no platform',
    send: () =>
      activate({ licenseKey: ctx.license.key, device: deviceBody({ platform: undefined }) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a private JWK (with d) as device key',
    send: () =>
      activate({
        licenseKey: ctx.license.key,
        device: deviceBody({ publicKey: { ...ctx.fresh.publicKey, d: 'x'.repeat(43) } }),
      }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a P-384 JWK as device key',
    send: () =>
      activate({
        licenseKey: ctx.license.key,
        device: deviceBody({
          publicKey: { kty: 'EC', crv: 'P-384', x: 'x'.repeat(64), y: 'y'.repeat(64) },
        }),
      }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: an RSA JWK as device key',
    send: () =>
      activate({
        licenseKey: ctx.license.key,
        device: deviceBody({ publicKey: { kty: 'RSA', n: 'n'.repeat(342), e: 'AQAB' } }),
      }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a P-256 JWK with short coordinates',
    send: () =>
      activate({
        licenseKey: ctx.license.key,
        device: deviceBody({ publicKey: { ...ctx.fresh.publicKey, x: 'AAAA' } }),
      }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: the device key as a PEM string',
    send: () =>
      activate({
        licenseKey: ctx.license.key,
        device: deviceBody({
          publicKey: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----',
        }),
      }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'activate: a 65 KiB body',
    send: () =>
      activate({
        licenseKey: ctx.license.key,
        device: deviceBody(),
        padding: 'p'.repeat(65 * 1024),
      }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'activate: a well-formed key no license has',
    send: () =>
      activate({ licenseKey: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ', device: deviceBody() }),
    status: 403,
    code: 'license_key_invalid',
  },
  {
    name: 'activate: a key of the wrong length',
    send: () => activate({ licenseKey: ctx.license.key.slice(0, -1), device: deviceBody() }),
    status: 403,
    code: 'license_key_invalid',
  },

  // POST /api/v1/validate
  {
    name: 'validate: body that is not JSON',
    send: () => raw('/api/v1/validate', 'checks=1', JSON_TYPE),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'validate: an empty checks array',
    send: () => validate({ checks: [] }),
    status: 400,
    code: 'bad_request',
  },
  { name: 'validate: no checks', send: () => validate({}), status: 400, code: 'bad_request' },
  {
    name: 'validate: checks as an object',
    send: () => validate({ checks: { grant: ctx.grant } }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'validate: a check without proof',
    send: () => validate({ checks: [{ grant: ctx.grant }] }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'validate: a check with an unknown member',
    send: async () =>
      validate({ checks: [{ grant: ctx.grant, proof: await ctx.proof(), admin: true }] }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'validate: a check with an empty grant',
    send: async () => validate({ checks: [{ grant: '', proof: await ctx.proof() }] }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'validate: a grant longer than 16 KiB',
    send: async () =>
      validate({ checks: [{ grant: 'a'.repeat(16_385), proof: await ctx.proof() }] }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'validate: a body larger than its 256 KiB limit',
    send: async () =>
      validate({
        checks: [{ grant: ctx.grant, proof: await ctx.proof() }],
        telemetry: 't'.repeat(1024 * 1024),
      }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'validate: a garbage grant',
    send: async () => validate({ checks: [{ grant: 'not.a.grant', proof: await ctx.proof() }] }),
    status: 200,
    code: 'grant_invalid',
  },
  {
    name: 'validate: an alg none grant',
    send: async () =>
      validate({ checks: [{ grant: await unsecured(), proof: await ctx.proof() }] }),
    status: 200,
    code: 'grant_invalid',
  },
  {
    name: 'validate: an HS256 grant',
    send: async () => validate({ checks: [{ grant: await hs256(), proof: await ctx.proof() }] }),
    status: 200,
    code: 'grant_invalid',
  },
  {
    name: 'validate: a certificate presented as a grant',
    send: async () => validate({ checks: [{ grant: ctx.cert, proof: await ctx.proof() }] }),
    status: 200,
    code: 'grant_invalid',
  },
  {
    name: 'validate: a garbage proof',
    send: () =>
      validate({ checks: [{ grant: ctx.grant, proof: 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA' }] }),
    status: 200,
    code: 'proof_invalid',
  },

  // POST /api/v1/deactivate
  {
    name: 'deactivate: no proof',
    send: () => deactivate({ grant: ctx.grant }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'deactivate: grant as a number',
    send: async () => deactivate({ grant: 1, proof: await ctx.proof() }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'deactivate: a garbage grant',
    send: async () => deactivate({ grant: 'garbage', proof: await ctx.proof() }),
    status: 401,
    code: 'grant_invalid',
  },
  {
    name: 'deactivate: an alg none grant',
    send: async () => deactivate({ grant: await unsecured(), proof: await ctx.proof() }),
    status: 401,
    code: 'grant_invalid',
  },
  {
    name: 'deactivate: an HS256 grant',
    send: async () => deactivate({ grant: await hs256(), proof: await ctx.proof() }),
    status: 401,
    code: 'grant_invalid',
  },
  {
    name: 'deactivate: a certificate presented as a grant',
    send: async () => deactivate({ grant: ctx.cert, proof: await ctx.proof() }),
    status: 401,
    code: 'grant_invalid',
  },
  {
    name: 'deactivate: a proof presented as a grant',
    send: async () => {
      const proof = await ctx.proof()
      return deactivate({ grant: proof, proof })
    },
    status: 401,
    code: 'grant_invalid',
  },
  {
    name: 'deactivate: a garbage proof',
    send: () => deactivate({ grant: ctx.grant, proof: 'a.b.c' }),
    status: 401,
    code: 'proof_invalid',
  },

  // POST /api/v1/offline/activate
  {
    name: 'offline: no requestCode',
    send: () => offline({ licenseKey: ctx.license.key }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'offline: licenseKey as an array',
    send: () => offline({ licenseKey: [ctx.license.key], requestCode: ctx.requestCode }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'offline: a garbage request code',
    send: () => offline({ licenseKey: ctx.license.key, requestCode: 'hello' }),
    status: 401,
    code: 'proof_invalid',
  },
  {
    name: 'offline: a grant as request code',
    send: () => offline({ licenseKey: ctx.license.key, requestCode: ctx.grant }),
    status: 401,
    code: 'proof_invalid',
  },
  {
    name: 'offline: a good request code with a key no license has',
    send: () =>
      offline({ licenseKey: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ', requestCode: ctx.requestCode }),
    status: 403,
    code: 'license_key_invalid',
  },

  // POST /admin/v1/licenses
  {
    name: 'admin create: body that is not JSON',
    send: () => adminRaw('POST', '/licenses', 'product=notes'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: no product',
    send: () => admin('POST', '/licenses', { plan: 'pro', seats: 1 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: an unknown product',
    send: () => newLicense({ product: 'spreadsheets' }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: an unknown plan',
    send: () => newLicense({ plan: 'enterprise' }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: a plan named like a prototype member',
    send: () => newLicense({ plan: 'constructor' }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: seats 0',
    send: () => newLicense({ seats: 0 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: seats -1',
    send: () => newLicense({ seats: -1 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: seats 2.5',
    send: () => newLicense({ seats: 2.5 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: seats as a string',
    send: () => newLicense({ seats: '3' }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: a negative termEnd',
    send: () => newLicense({ termEnd: -1 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: termEnd in seconds, not milliseconds',
    send: () => newLicense({ termEnd: 1_900_000_000 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: termEnd as a date string',
    send: () => newLicense({ termEnd: '2027-01-01' }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: a grace that is not a duration',
    send: () => newLicense({ grace: 'seven days' }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: a recheckEvery in months',
    send: () => newLicense({ recheckEvery: 'P1M' }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: a 1001-character note',
    send: () => newLicense({ note: 'n'.repeat(1001) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin create: a 65 KiB body',
    send: () => newLicense({ padding: 'p'.repeat(65 * 1024) }),
    status: 413,
    code: 'body_too_large',
  },

  // POST /admin/v1/licenses/:id/{renew,revoke}
  {
    name: 'admin renew: no termEnd',
    send: () => admin('POST', `/licenses/${ctx.license.id}/renew`, {}),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin renew: a negative termEnd',
    send: () => admin('POST', `/licenses/${ctx.license.id}/renew`, { termEnd: -5 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin renew: termEnd as a string',
    send: () =>
      admin('POST', `/licenses/${ctx.license.id}/renew`, { termEnd: String(Date.UTC(2030, 0, 1)) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin renew: an unknown license',
    send: () =>
      admin('POST', '/licenses/lic_doesnotexist/renew', { termEnd: Date.UTC(2030, 0, 1) }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin revoke: a 501-character reason',
    send: () => admin('POST', `/licenses/${ctx.license.id}/revoke`, { reason: 'r'.repeat(501) }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin revoke: reason as a number',
    send: () => admin('POST', `/licenses/${ctx.license.id}/revoke`, { reason: 7 }),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin revoke: body that is not JSON',
    send: () => adminRaw('POST', `/licenses/${ctx.license.id}/revoke`, 'because'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin revoke: an unknown license',
    send: () => admin('POST', '/licenses/lic_doesnotexist/revoke', {}),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin suspend: an unknown license',
    send: () => admin('POST', '/licenses/lic_doesnotexist/suspend'),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin show: an unknown license',
    send: () => admin('GET', '/licenses/lic_doesnotexist'),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin list: limit 0',
    send: () => admin('GET', '/licenses?limit=0'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin list: limit 501',
    send: () => admin('GET', '/licenses?limit=501'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin list: a cursor this API never gave',
    send: () => admin('GET', "/licenses?cursor=x' OR 1=1"),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin list: a search with U+0000, which PostgreSQL text cannot hold',
    send: () => admin('GET', '/licenses?q=acme%00'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin list: a search of 201 characters',
    send: () => admin('GET', `/licenses?q=${'a'.repeat(201)}`),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin list: a search of 9 words',
    send: () => admin('GET', `/licenses?q=${encodeURIComponent('a b c d e f g h i')}`),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin CSV export: a search with a control character',
    send: () => admin('GET', '/licenses.csv?q=%1b%5b31m'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin audit: a cursor this API never gave',
    send: () => admin('GET', "/audit?cursor=x' OR 1=1"),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin audit: a license cursor',
    send: () => admin('GET', '/audit?cursor=lic_abc'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin audit: limit 501',
    send: () => admin('GET', '/audit?limit=501'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'admin remove device: a device the license does not have',
    send: () => admin('DELETE', `/licenses/${ctx.license.id}/devices/no-such-device`),
    status: 404,
    code: 'not_found',
  },

  // PUT /admin/v1/manifest
  {
    name: 'manifest: body that is not JSON',
    send: () => adminRaw('PUT', '/manifest', '{products:'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: a JSON array',
    send: () => admin('PUT', '/manifest', [DEMO_MANIFEST]),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: an empty object',
    send: () => admin('PUT', '/manifest', {}),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: YAML content type',
    send: () => adminRaw('PUT', '/manifest', JSON.stringify(DEMO_MANIFEST), 'application/yaml'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: a plan naming an unknown feature',
    send: () =>
      admin(
        'PUT',
        '/manifest',
        manifestWith((notes) => (notes.plans = { pro: { features: ['teleport'] } })),
      ),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: an unknown offline class',
    send: () =>
      admin(
        'PUT',
        '/manifest',
        manifestWith((notes) => (notes.features = { 'notes.edit': { offline: 'sometimes' } })),
      ),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: a grace that is not a duration',
    send: () =>
      admin(
        'PUT',
        '/manifest',
        manifestWith((notes) => (notes.grace = '7 days')),
      ),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: a zero recheckEvery',
    send: () =>
      admin(
        'PUT',
        '/manifest',
        manifestWith((notes) => (notes.recheckEvery = 'PT0S')),
      ),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'manifest: an unknown member',
    send: () =>
      admin(
        'PUT',
        '/manifest',
        manifestWith((notes) => (notes.price = 10)),
      ),
    status: 400,
    code: 'bad_request',
  },
]

/** The `{code, message}` of a refused request, or of the first check in a validate answer. */
function errorOf(body: unknown): { code?: unknown; message?: unknown } | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  if ('error' in body) return body.error as { code?: unknown; message?: unknown }
  if ('results' in body && Array.isArray(body.results)) {
    const [first] = body.results as {
      ok?: boolean
      error?: { code?: unknown; message?: unknown }
    }[]
    return first?.ok === false ? first.error : undefined
  }
  return undefined
}

describe('bad inputs across the API', () => {
  it('has at least 30 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30)
  })

  it.each(rows)('$name → $status $code, with a message, writing nothing', async (row) => {
    const before = await server.snapshot()
    const counts = await server.data.store.counts()
    const licenseRow = await server.data.store.findLicense(ctx.license.id)
    const devices = await server.data.store.listDevices(ctx.license.id)

    const response = await row.send()
    const body = await readJson<unknown>(response)
    expect({ status: response.status, code: errorOf(body)?.code }).toEqual({
      status: row.status,
      code: row.code,
    })
    const message = errorOf(body)?.message
    expect(typeof message === 'string' && message.length > 0).toBe(true)

    expect(await server.data.store.counts()).toEqual(counts)
    expect(await server.data.store.findLicense(ctx.license.id)).toEqual(licenseRow)
    expect(await server.data.store.listDevices(ctx.license.id)).toEqual(devices)
    expect(await server.snapshot()).toEqual(before)
  })

  it('left the activated device working: its grant still validates', async () => {
    const result = await server.validateOne(ctx.grant, ctx.device)
    expect(result.ok).toBe(true)
  })
})
