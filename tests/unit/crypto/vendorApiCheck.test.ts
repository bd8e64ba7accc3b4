import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  ClaimsInvalid,
  KidUnknown,
  PROOF_MAX_SKEW_SECONDS,
  ProofInvalid,
  createKeyRing,
  importKey,
  isPublicJwk,
  peekPayload,
  proofReplayKey,
  signProof,
  thumbprint,
  verifyGrant,
  verifyProof,
} from '../../../src/core/index.ts'
import type { GrantClaims, JWK, KeyRing, ProofEndpoint } from '../../../src/core/index.ts'
import { loadCorpus, loadFixtureKeys } from '../../fixtures/hostile/corpus.ts'
import { outcomeOf } from './trustChain.ts'

// The server-side check docs/threat-model.md shows for a vendor's own API, run as written against
// the hostile corpus's world (its grants, keys and certificates) on this runtime's WebCrypto.

// ---- from docs/threat-model.md ---------------------------------------------------------------

/** What the app sends with a request to the vendor's API (from `POST /_license/proof`, plus the device key). */
interface LicensedRequest {
  grant: string
  proof: string
  /** The device's public JWK: the grant names only its thumbprint (`cnf.jkt`). */
  deviceKey: unknown
}

/** Checks grants on the vendor's own API: trust from the pinned root, possession, replay, entitlement. */
class LicenseGate {
  readonly #root: JWK
  readonly #product: string
  readonly #fetchCerts: () => Promise<string[]>
  #ring: KeyRing | undefined
  /** Replay keys of proofs seen, until they could no longer pass anyway (share it across instances). */
  readonly #seen = new Map<string, number>()

  constructor(options: { root: JWK; product: string; fetchCerts: () => Promise<string[]> }) {
    this.#root = options.root
    this.#product = options.product
    this.#fetchCerts = options.fetchCerts
  }

  /** `endpoint`: the request being answered, e.g. `{ htm: 'POST', htu: '/sync' }` (its path). */
  async check(
    request: LicensedRequest,
    feature: string,
    endpoint: ProofEndpoint,
    now: number,
  ): Promise<GrantClaims> {
    // 1. The grant: signed by a key the pinned root certified, for this product.
    const claims = await this.#verifyGrant(request.grant, now)
    // 2. Possession: the key the grant is bound to signed a fresh proof for this grant and request.
    if (!isPublicJwk(request.deviceKey) || (await thumbprint(request.deviceKey)) !== claims.cnf.jkt)
      throw new ProofInvalid('the device key is not the one this grant is bound to')
    await verifyProof(request.proof, request.deviceKey, { jti: claims.jti, now, endpoint })
    // 3. Replay: a proof passes once. Keyed by proofReplayKey, not by the token's text.
    for (const [key, until] of this.#seen) if (until <= now) this.#seen.delete(key)
    const replayKey = proofReplayKey(request.proof)
    if (this.#seen.has(replayKey)) throw new ProofInvalid('this proof was already used')
    this.#seen.set(replayKey, now + 2 * PROOF_MAX_SKEW_SECONDS * 1000)
    // 4. Entitlement, as of the device's last online check (iat).
    const nowSeconds = Math.floor(now / 1000)
    if (claims.status !== 'active') throw new ClaimsInvalid(`the license is ${claims.status}`)
    if (claims.exp !== undefined && nowSeconds >= claims.exp)
      throw new ClaimsInvalid('the license term has ended')
    if (
      claims.pol.recheck !== null &&
      nowSeconds >= claims.iat + claims.pol.recheck + claims.pol.grace
    )
      throw new ClaimsInvalid('the grant is older than recheck + grace: the device must check in')
    if (!claims.features.includes(feature)) throw new ClaimsInvalid(`the plan has no ${feature}`)
    return claims
  }

  async #verifyGrant(grant: string, now: number): Promise<GrantClaims> {
    const verify = (ring: KeyRing) =>
      verifyGrant(grant, ring, { now, expect: { aud: this.#product } })
    this.#ring ??= await createKeyRing(this.#root, await this.#fetchCerts())
    try {
      return await verify(this.#ring)
    } catch (error) {
      if (!(error instanceof KidUnknown)) throw error
      // A key rotated since the last fetch: GET /api/v1/keys again, once.
      this.#ring = await createKeyRing(this.#root, await this.#fetchCerts())
      return verify(this.#ring)
    }
  }
}

// ---- end of the excerpt ----------------------------------------------------------------------

const corpus = loadCorpus()
const { world } = corpus
const NOW = corpus.now
const keys = loadFixtureKeys()
const deviceA = world.devices.find((d) => d.id === 'dev-a')
const grantA = world.grants['dev-a']
const jtiA = String(peekPayload(grantA).jti)

let privateA: Awaited<ReturnType<typeof importKey>>
let privateB: Awaited<ReturnType<typeof importKey>>
let fetches: number
let gate: LicenseGate

beforeAll(async () => {
  privateA = await importKey(keys['device-a'] ?? {})
  privateB = await importKey(keys['device-b'] ?? {})
})

function newGate(certs: () => string[] = () => Object.values(world.certs)): LicenseGate {
  fetches = 0
  return new LicenseGate({
    root: world.root,
    product: 'notes',
    fetchCerts: () => {
      fetches += 1
      return Promise.resolve(certs())
    },
  })
}

/** The vendor's endpoint the app calls, which every proof below is made for unless said. */
const SYNC: ProofEndpoint = { htm: 'POST', htu: '/sync' }
const proofA = (ts = Math.floor(NOW / 1000), endpoint: ProofEndpoint | object = SYNC) =>
  signProof({ jti: jtiA, ts, ...endpoint }, privateA)
const request = async (overrides: Partial<LicensedRequest> = {}): Promise<LicensedRequest> => ({
  grant: grantA,
  proof: await proofA(),
  deviceKey: deviceA?.publicKey,
  ...overrides,
})

describe("a vendor's API that checks grants itself", () => {
  it('lets the device that holds the grant use an entitled feature', async () => {
    gate = newGate()
    const claims = await gate.check(await request(), 'share.link', SYNC, NOW)
    expect([claims.dev, claims.sub]).toEqual(['dev-a', 'lic_fixture_notes'])
  })

  it.each<[string, () => Promise<LicensedRequest>, string]>([
    ['a proof used before', async () => request({ proof: world.usedProof }), 'proof_invalid'],
    [
      "another device's proof",
      async () =>
        request({
          proof: await signProof({ jti: jtiA, ts: Math.floor(NOW / 1000), ...SYNC }, privateB),
        }),
      'proof_invalid',
    ],
    [
      "another device's key",
      async () => request({ deviceKey: world.devices[1]?.publicKey }),
      'proof_invalid',
    ],
    [
      "another device's key and proof",
      async () =>
        request({
          deviceKey: world.devices[1]?.publicKey,
          proof: await signProof({ jti: jtiA, ts: Math.floor(NOW / 1000), ...SYNC }, privateB),
        }),
      'proof_invalid',
    ],
    [
      'a proof made for another request',
      async () =>
        request({ proof: await proofA(undefined, { htm: 'POST', htu: '/delete-account' }) }),
      'proof_invalid',
    ],
    [
      'a proof that names no request (as workers before #11 made them)',
      async () => request({ proof: await proofA(undefined, {}) }),
      'proof_invalid',
    ],
    [
      'a proof 6 minutes old',
      async () => request({ proof: await proofA(Math.floor(NOW / 1000) - 360) }),
      'proof_invalid',
    ],
    [
      'a grant of another server',
      async () => request({ grant: tokenOf('grant/attacker-chain') }),
      'kid_unknown',
    ],
    [
      'a grant edited after signing',
      async () => request({ grant: tokenOf('grant/forged-real-signature') }),
      'signature_invalid',
    ],
    [
      'alg none',
      async () => request({ grant: tokenOf('grant/none-empty-signature') }),
      'alg_not_allowed',
    ],
  ])('refuses %s', async (_what, make, code) => {
    gate = newGate()
    // The used proof must have been seen by this gate: present it once first.
    await gate
      .check(await request({ proof: world.usedProof }), 'share.link', SYNC, NOW)
      .catch(() => undefined)
    expect(await outcomeOf(async () => gate.check(await make(), 'share.link', SYNC, NOW))).toBe(
      code,
    )
  })

  it('refuses the same proof the second time, and in its other spellings', async () => {
    gate = newGate()
    const first = await request()
    await gate.check(first, 'share.link', SYNC, NOW)
    const [h, p, s] = first.proof.split('.') as [string, string, string]
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const respelled = `${h}.${p}.${s.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(s.at(-1) ?? '') ^ 4]}`
    for (const proof of [first.proof, respelled]) {
      expect(await outcomeOf(() => gate.check({ ...first, proof }, 'share.link', SYNC, NOW))).toBe(
        'proof_invalid',
      )
    }
  })

  it('refuses a feature outside the plan, and a grant from before recheck + grace', async () => {
    gate = newGate()
    expect(
      await outcomeOf(async () => gate.check(await request(), 'admin.console', SYNC, NOW)),
    ).toBe('claims_invalid')
    const { iat, pol } = peekPayload(grantA) as unknown as GrantClaims
    const late = (iat + (pol.recheck ?? 0) + pol.grace) * 1000
    expect(
      await outcomeOf(async () =>
        gate.check(await request({ proof: await proofA(late / 1000) }), 'share.link', SYNC, late),
      ),
    ).toBe('claims_invalid')
  })

  it('fetches the certificates again, once, when a grant names a key it does not know', async () => {
    // The first fetch predates the current key; the second has it.
    gate = newGate(() => (fetches === 1 ? [world.certs.expired] : Object.values(world.certs)))
    await gate.check(await request(), 'share.link', SYNC, NOW)
    expect(fetches).toBe(2)
  })
})

function tokenOf(id: string): string {
  const token = corpus.entries.find((entry) => entry.id === id)?.token
  if (typeof token !== 'string') throw new Error(`no corpus entry ${id}`)
  return token
}

describe('docs/threat-model.md', () => {
  it('shows this code as it runs here', () => {
    const from = (text: string, start: string, end: string) =>
      text.slice(text.indexOf(start), text.indexOf(end, text.indexOf(start))).trim()
    const start = '/** What the app sends'
    const here = from(readFileSync(new URL(import.meta.url), 'utf8'), start, '// ---- end')
    const doc = readFileSync(new URL('../../../docs/threat-model.md', import.meta.url), 'utf8')
    expect(from(doc, start, '```')).toBe(here)
  })
})
