import { afterEach, describe, expect, it } from 'vitest'
import {
  exportKey,
  generateEcKeyPair,
  parseGrantClaims,
  peekPayload,
  signCertificate,
  signGrant,
  thumbprint,
  toPublicJwk,
} from '../../../src/core/index.ts'
import { jsonAnswer, startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

// A vendor's setup that is wrong, not a network that is bad (#13, item 4): the worker names it
// with a code of its own, so the page can say "tell the vendor" rather than "sign in to the Wi-Fi",
// and still keeps nothing it cannot verify against the pinned root.

let h: WorkerHarness | undefined

afterEach(async () => {
  await h?.close()
  h = undefined
})

const API_ELSEWHERE = 'https://licenses.example/api/v1'

/** A browser's answer to a CORS request the server does not allow: a TypeError, like no network. */
const corsRefused = async (
  _path: string,
  _body: unknown,
  forward: () => Promise<Response>,
  init: RequestInit | undefined,
) => {
  if (init?.mode === 'no-cors') return forward()
  throw new TypeError('Failed to fetch')
}

describe('a license server on another origin that does not allow this one (CORS)', () => {
  it('refuses an activation with cors_blocked, and the state says why', async () => {
    h = await startWorkerHarness({ apiBase: API_ELSEWHERE })
    const license = await h.createLicense()
    h.intercept(corsRefused)
    expect(await h.post('/_license/activate', { licenseKey: license.key })).toEqual({
      status: 503,
      body: { error: { code: 'cors_blocked' } },
    })
    const probe = h.exchanges.at(-1)
    expect(probe?.path).toBe(`${API_ELSEWHERE}/keys`)
    const state = await h.state()
    expect(state.connectivity).toBe('server-error')
    expect(state.lastCheckError).toEqual({ code: 'cors_blocked' })
  })

  it('records a re-check as cors_blocked, and the license stays as it was', async () => {
    h = await startWorkerHarness({ apiBase: API_ELSEWHERE })
    await h.activated()
    const before = await h.state()
    h.intercept(corsRefused)
    await h.worker.recheck()
    const after = await h.state()
    expect(after.lastCheckError).toEqual({ code: 'cors_blocked' })
    expect(after.connectivity).toBe('server-error')
    expect(after.status).toBe('active')
    expect(after.verifiedAt).toBe(before.verifiedAt)
  })

  it('is offline when the no-cors probe gets no answer either', async () => {
    h = await startWorkerHarness({ apiBase: API_ELSEWHERE })
    h.intercept(async () => {
      throw new TypeError('Failed to fetch')
    })
    expect((await h.post('/_license/activate', { licenseKey: 'K' })).body).toEqual({
      error: { code: 'offline' },
    })
  })

  it('is offline after a timeout, with no probe', async () => {
    h = await startWorkerHarness({ apiBase: API_ELSEWHERE })
    h.intercept(async () => {
      throw new DOMException('signal timed out', 'TimeoutError')
    })
    expect((await h.post('/_license/activate', { licenseKey: 'K' })).body).toEqual({
      error: { code: 'offline' },
    })
    expect(h.exchanges.filter((exchange) => exchange.path.endsWith('/keys'))).toEqual([])
  })

  it('never applies to a license server on the app’s own origin, which CORS does not concern', async () => {
    h = await startWorkerHarness()
    h.intercept(corsRefused)
    expect((await h.post('/_license/activate', { licenseKey: 'K' })).body).toEqual({
      error: { code: 'offline' },
    })
    expect(h.exchanges.filter((exchange) => exchange.path.endsWith('/keys'))).toEqual([])
  })
})

/** A root and a signing key of someone else's, and a way to re-sign grants with them. */
async function anotherRoot() {
  const root = await generateEcKeyPair(true)
  const signer = await generateEcKeyPair(true)
  const jwk = toPublicJwk(await exportKey(signer.publicKey))
  const kid = await thumbprint(jwk)
  const now = Math.floor(Date.UTC(2026, 5, 1) / 1000)
  const cert = await signCertificate(
    { kid, jwk, nbf: now - 86_400, exp: now + 365 * 86_400, use: 'grant' },
    root.privateKey,
  )
  return {
    publicJwk: toPublicJwk(await exportKey(root.publicKey)),
    cert,
    /** The same claims, changed by `change`, signed by this root's signing key. */
    resign: async (grant: string, change: (claims: Record<string, unknown>) => void = () => {}) => {
      const claims: Record<string, unknown> = { ...parseGrantClaims(peekPayload(grant)) }
      change(claims)
      return signGrant(parseGrantClaims(claims), signer.privateKey, kid)
    },
  }
}

describe('a license server whose root is not the one pinned into the app', () => {
  it('refuses an activation with root_key_mismatch and installs nothing', async () => {
    const other = await anotherRoot()
    // The app was built with another root than the server's: every answer is under the server's.
    h = await startWorkerHarness({ rootJwk: other.publicJwk })
    const license = await h.createLicense()
    expect(await h.post('/_license/activate', { licenseKey: license.key })).toEqual({
      status: 502,
      body: { error: { code: 'root_key_mismatch' } },
    })
    expect((await h.state()).status).toBe('unlicensed')
  })

  it('records a re-check answered under another root as root_key_mismatch and keeps the grant', async () => {
    h = await startWorkerHarness()
    await h.activated()
    const before = await h.state()
    const other = await anotherRoot()
    h.intercept(async (path, _body, forward) => {
      const answer = await forward()
      if (!path.endsWith('/validate')) return answer
      const body = (await answer.json()) as { results: { grant?: string }[] }
      const results = await Promise.all(
        body.results.map(async (result) =>
          result.grant ? { ...result, grant: await other.resign(result.grant) } : result,
        ),
      )
      return jsonAnswer({ ...body, results, certs: [other.cert] })
    })
    await h.worker.recheck()
    const after = await h.state()
    expect(after.lastCheckError).toEqual({ code: 'root_key_mismatch' })
    expect(after.connectivity).toBe('server-error')
    expect(after.keyId).toBe(before.keyId)
    expect(after.verifiedAt).toBe(before.verifiedAt)
  })

  it('is interference when the grant under another root does not answer this request', async () => {
    h = await startWorkerHarness()
    await h.activated()
    const other = await anotherRoot()
    h.intercept(async (path, _body, forward) => {
      const answer = await forward()
      if (!path.endsWith('/validate')) return answer
      const body = (await answer.json()) as { results: { grant: string }[] }
      const results = await Promise.all(
        body.results.map(async (result) => ({
          ...result,
          grant: await other.resign(result.grant, (claims) => {
            delete claims.nonce
          }),
        })),
      )
      return jsonAnswer({ ...body, results, certs: [other.cert] })
    })
    await h.worker.recheck()
    const after = await h.state()
    expect(after.connectivity).toBe('interference')
    expect(after.lastCheckError).toBe(null)
  })
})

describe('a license for another product than the worker serves', () => {
  it('refuses an activation whose grant is for another product, and installs nothing', async () => {
    const harness = await startWorkerHarness({ product: 'draw' })
    h = harness
    const license = await h.createLicense() // a license of the product `notes`
    // A server that does not check the product it is told (an older one) issues the grant.
    h.intercept(async (path, body, forward) => {
      if (!path.endsWith('/activate')) return forward()
      const { product, ...rest } = body as { product?: string }
      expect(product).toBe('draw')
      return harness.app.request('/api/v1/activate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rest),
      })
    })
    const answer = await h.post('/_license/activate', { licenseKey: license.key })
    expect(answer).toEqual({ status: 403, body: { error: { code: 'product_mismatch' } } })
    expect((await h.state()).status).toBe('unlicensed')
  })

  it('refuses a license file for another product', async () => {
    h = await startWorkerHarness({ product: 'draw' })
    const license = await h.createLicense({ recheckEvery: null })
    const licenseFile = await h.licenseFile(license.key)
    expect(await h.post('/_license/import', { licenseFile })).toEqual({
      status: 403,
      body: { error: { code: 'product_mismatch' } },
    })
    expect((await h.state()).status).toBe('unlicensed')
  })

  it('passes on the server’s own product_mismatch refusal of an activation', async () => {
    h = await startWorkerHarness({ product: 'draw' })
    h.intercept(async () =>
      jsonAnswer(
        {
          error: {
            code: 'product_mismatch',
            message: 'key of notes',
            details: { product: 'notes' },
          },
        },
        403,
      ),
    )
    expect(await h.post('/_license/activate', { licenseKey: 'K' })).toEqual({
      status: 403,
      body: {
        error: { code: 'product_mismatch', detail: 'key of notes', details: { product: 'notes' } },
      },
    })
  })
})
