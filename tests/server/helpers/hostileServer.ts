import type { Hono } from 'hono'
import { createApp } from '../../../server/app.ts'
import { KeyService } from '../../../server/keys/KeyService.ts'
import { hashLicenseKey, normalizeLicenseKey } from '../../../server/services/licenseKeys.ts'
import type { Store } from '../../../server/storage/Store.ts'
import { importKey, peekPayload, signProof, thumbprint } from '../../../src/core/index.ts'
import type { PublicJwk } from '../../../src/core/index.ts'
import { loadCorpus, loadFixtureKeys } from '../../fixtures/hostile/corpus.ts'
import type { Corpus, DeviceId } from '../../fixtures/hostile/corpus.ts'
import { GENEROUS_LIMITS, startTestServer } from './testServer.ts'
import type { Snapshot, TestServer } from './testServer.ts'

// A license server whose trust chain, licenses and devices are those of the hostile corpus
// (tests/fixtures/hostile), so that its entries mean what they say: "another device" is a device
// this server activated, "the server's own key" is the key this server signs with.
//
// It is built on the shared harness (whatever backend that opens) and uses only its exported API:
// the harness's store and data folder, with a KeyService pinned to the fixture root instead.

export const API = {
  activate: '/api/v1/activate',
  validate: '/api/v1/validate',
  deactivate: '/api/v1/deactivate',
  offlineActivate: '/api/v1/offline/activate',
  shares: '/api/v1/shares',
} as const

/** A share id of the right form that no share has. */
export const NO_SUCH_SHARE = `shr_${'A'.repeat(22)}`

/** Every row of every table that holds data: what "nothing changed" is checked against. */
export type DbState = Snapshot

export interface HostileServer {
  base: TestServer
  app: Hono
  corpus: Corpus
  /** The server's fixed clock (epoch ms), the corpus's `now`. */
  now: number
  adminToken: string
  /** POSTs JSON: a string body is sent as is, anything else is serialised. */
  post(path: string, body: unknown): Promise<Response>
  /** Any method with a JSON body, sent like `post`. */
  send(method: string, path: string, body: unknown): Promise<Response>
  /** Any request, with the admin token unless `authorization` is given. */
  admin(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>
  /** A fresh proof by a fixture device for `jti`, at the server's time. */
  proof(device: DeviceId, jti: string): Promise<string>
  state(): Promise<DbState>
  close(): Promise<void>
}

/** Starts the server of the fixture world: fixture keys in its store, licenses, two activated devices. */
export async function startHostileServer(): Promise<HostileServer> {
  const corpus = loadCorpus()
  const keys = loadFixtureKeys()
  const now = corpus.now
  const base = await startTestServer({ limits: GENEROUS_LIMITS })
  const store: Store = base.data.store

  // The fixture signing keys, the current one last so that it signs (the newest row signs). Their
  // private halves are stored as plaintext JWK, which the KEK opens as rows from before sealing.
  const latest = Math.max(0, ...(await store.listSigningKeys()).map((row) => row.created_at))
  const signing = [
    ['signing-expired', corpus.world.certs.expired],
    ['signing-future', corpus.world.certs.future],
    ['signing-current', corpus.world.certs.current],
  ] as const
  for (const [index, [label, cert]] of signing.entries()) {
    const jwk = keys[label]
    if (!jwk) throw new Error(`keys.json has no ${label}`)
    await store.insertSigningKey({
      kid: await thumbprint(jwk),
      private_jwk: JSON.stringify(jwk),
      cert,
      not_after: Number(peekPayload(cert).exp) * 1000,
      created_at: latest + 1 + index,
    })
  }
  const rootJwk = keys.root
  if (!rootJwk) throw new Error('keys.json has no root')
  const keyService = new KeyService(store, corpus.world.root as PublicJwk, base.data.kek)
  const app = createApp(
    base.data.deps({
      keys: keyService,
      rootPrivateKey: await importKey(rootJwk),
      now: () => now,
      limits: GENEROUS_LIMITS,
    }),
  )

  for (const license of corpus.world.licenses) {
    const normalized = normalizeLicenseKey(license.key)
    if (!normalized) throw new Error(`fixture key ${license.key} does not normalise`)
    await store.insertLicense({
      id: license.id,
      key_hash: hashLicenseKey(normalized, base.data.keyHashSecret),
      product: license.product,
      plan: license.plan,
      seats: license.seats,
      status: license.status,
      status_reason: null,
      status_changed_at: null,
      term_end: license.termEnd,
      recheck_every: null,
      grace: null,
      note: 'hostile corpus fixture',
      created_at: now,
      updated_at: now,
    })
  }

  const send = async (method: string, path: string, body: unknown) =>
    app.request(path, {
      method,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    })
  const post = (path: string, body: unknown) => send('POST', path, body)

  for (const device of corpus.world.devices) {
    const license = corpus.world.licenses.find((l) => l.id === device.license)
    const response = await post(API.activate, {
      licenseKey: license?.key,
      device: { id: device.id, name: device.id, platform: 'linux', publicKey: device.publicKey },
    })
    if (response.status !== 200)
      throw new Error(`${device.id} not activated: ${await response.text()}`)
  }

  const deviceKeys = {
    'dev-a': await importKey(keys['device-a'] ?? {}),
    'dev-b': await importKey(keys['device-b'] ?? {}),
  }

  return {
    base,
    app,
    corpus,
    now,
    adminToken: base.data.adminToken,
    post,
    send,
    async admin(method, path, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: { authorization: `Bearer ${base.data.adminToken}`, ...headers },
      }
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body)
        init.headers = { 'content-type': 'application/json', ...init.headers }
      }
      return app.request(`/admin/v1${path}`, init)
    },
    proof: (device, jti) => signProof({ jti, ts: Math.floor(now / 1000) }, deviceKeys[device]),
    state: () => readState(base),
    close: () => base.close(),
  }
}

/**
 * The harness's snapshot (every data table, through a second connection, on either backend) and
 * the shared notes beside it, which the share endpoints write.
 */
async function readState(base: TestServer): Promise<DbState> {
  const snapshot = await base.snapshot()
  const shares = await base.reader.selectFrom('shares').selectAll().orderBy('id').execute()
  return { ...snapshot, shares }
}
