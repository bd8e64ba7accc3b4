import type { JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  ProofInvalid,
  createKeyRing,
  decodeLicenseFile,
  isPublicJwk,
  peekPayload,
  proofReplayKey,
  verifyCertificate,
  verifyGrant,
  verifyProof,
  verifyRequestCode,
} from '../../../src/core/index.ts'
import type { CoreErrorCode, KeyRing } from '../../../src/core/index.ts'
import { loadCorpus, materialize, tokenOf } from '../../fixtures/hostile/corpus.ts'
import type { CorpusEntry, DeviceId } from '../../fixtures/hostile/corpus.ts'
import { outcomeOf } from './trustChain.ts'

// The hostile corpus (tests/fixtures/hostile) against the core's verifiers, on this runtime's
// WebCrypto: every entry a core function takes is rejected with the code the corpus states.

const corpus = loadCorpus()
const { world } = corpus
const NOW = corpus.now
const worldCerts = Object.values(world.certs)
const license = world.licenses[0]
const grantJti = String(peekPayload(world.grants['dev-a']).jti)

const CODES: readonly CoreErrorCode[] = [
  'token_malformed',
  'alg_not_allowed',
  'typ_mismatch',
  'kid_unknown',
  'cert_invalid',
  'cert_not_valid',
  'signature_invalid',
  'claims_invalid',
  'proof_invalid',
]

function device(id: DeviceId): { publicKey: JWK; jkt: string } {
  const found = world.devices.find((d) => d.id === id)
  if (!found) throw new Error(`no device ${id} in the corpus world`)
  return found
}

let ring: KeyRing
beforeAll(async () => {
  ring = await createKeyRing(world.root, worldCerts)
})

/** What a device expects of a grant it holds: this product, its license, its id and key. */
function expectationFor(dev: DeviceId) {
  return { aud: 'notes', sub: license?.id, dev, jkt: device(dev).jkt }
}

/**
 * A verifier's possession check, as the server and a vendor's API make it: the proof verifies for
 * the grant, and its replay key was not seen before. The corpus's `usedProof` counts as seen.
 */
async function verifyFreshProof(token: string): Promise<void> {
  const seen = new Set([proofReplayKey(world.usedProof)])
  await verifyProof(token, device('dev-a').publicKey, { jti: grantJti, now: NOW })
  if (seen.has(proofReplayKey(token))) throw new ProofInvalid('this proof was already used')
}

/**
 * What the core does with a device key that arrives from outside (verifyRequestCode; the activate
 * schema likewise): only a public P-256 JWK is taken, and it must verify the device's proof. The
 * shape check matters: WebCrypto implementations are lenient (Node's takes "="-padded coordinates,
 * @peculiar/webcrypto takes crv "p-256"), so a spelling of a good key would otherwise pass here
 * while its thumbprint differs from the one grants are bound to.
 */
async function verifyPossession(jwk: unknown): Promise<void> {
  if (!isPublicJwk(jwk)) throw new ProofInvalid('not a public P-256 JWK')
  await verifyProof(world.usedProof, jwk, { jti: grantJti, now: NOW })
}

async function verifyLicenseFile(text: string, dev: DeviceId): Promise<void> {
  const file = decodeLicenseFile(text)
  const fileRing = await createKeyRing(world.root, file.certs)
  await verifyGrant(file.grant, fileRing, { now: NOW, expect: expectationFor(dev) })
}

async function coreOutcome(entry: CorpusEntry): Promise<string> {
  switch (entry.target) {
    case 'grant': {
      const entryRing = entry.certs
        ? await createKeyRing(world.root, [...worldCerts, ...entry.certs])
        : ring
      const dev = entry.presentedBy ?? 'dev-a'
      return outcomeOf(() =>
        verifyGrant(tokenOf(entry), entryRing, { now: NOW, expect: expectationFor(dev) }),
      )
    }
    case 'certificate':
      return outcomeOf(() => verifyCertificate(tokenOf(entry), world.root))
    case 'proof':
      return outcomeOf(() => verifyFreshProof(tokenOf(entry)))
    case 'requestCode':
      return outcomeOf(() => verifyRequestCode(tokenOf(entry), { now: NOW }))
    case 'publicKey':
      return outcomeOf(() => verifyPossession(entry.jwk))
    case 'licenseFile':
      return outcomeOf(() => verifyLicenseFile(tokenOf(entry), 'dev-a'))
    case 'body':
      throw new Error(`${entry.id}: no core function takes a request body`)
  }
}

describe('the fixture world the corpus attacks', () => {
  it('has grants that verify for their own devices', async () => {
    for (const dev of ['dev-a', 'dev-b'] as const) {
      const claims = await verifyGrant(world.grants[dev], ring, {
        now: NOW,
        expect: expectationFor(dev),
      })
      expect(claims.dev).toBe(dev)
    }
  })

  it('has a proof that verifies, the first time', async () => {
    expect(
      await outcomeOf(() =>
        verifyProof(world.usedProof, device('dev-a').publicKey, { jti: grantJti, now: NOW }),
      ),
    ).toBe('verified')
  })

  it('has a request code, a license file and three certificates that verify', async () => {
    expect((await verifyRequestCode(world.requestCode, { now: NOW })).dev).toBe('dev-c')
    expect(await outcomeOf(() => verifyLicenseFile(world.licenseFile, 'dev-a'))).toBe('verified')
    for (const cert of worldCerts) {
      expect(await outcomeOf(() => verifyCertificate(cert, world.root))).toBe('verified')
    }
    expect(ring.rejected).toEqual([])
  })
})

const forCore = corpus.entries.filter((entry) => entry.expect.core !== null)
const families = [...new Set(forCore.map((entry) => entry.family))]

describe(`${forCore.length} hostile inputs, each rejected by the core with a stable code`, () => {
  describe.each(families)('%s', (family) => {
    const entries = forCore.filter((entry) => entry.family === family)
    it.each(entries.map((entry) => [entry.id, entry.attack, entry] as const))(
      '%s: %s',
      async (_id, _attack, entry) => {
        const outcome = await coreOutcome(entry)
        expect(CODES).toContain(outcome)
        expect(outcome).toBe(entry.expect.core)
      },
    )
  })
})

describe('the corpus', () => {
  it('holds at least 200 labelled entries with unique ids', () => {
    expect(corpus.entries.length).toBeGreaterThanOrEqual(200)
    expect(new Set(corpus.entries.map((entry) => entry.id)).size).toBe(corpus.entries.length)
    for (const entry of corpus.entries) {
      expect(entry.attack.length).toBeGreaterThan(0)
      expect(entry.expect.core === null).toBe(entry.target === 'body')
    }
  })

  it('stores long inputs as recipes that expand to what they promise', () => {
    const sizes = corpus.entries
      .filter((entry) => entry.token !== undefined && typeof entry.token !== 'string')
      .map((entry) => tokenOf(entry).length)
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(2 * 1024 * 1024)
    const bodies = corpus.entries.flatMap((entry) => (entry.body ? [materialize(entry.body)] : []))
    expect(bodies.some((body) => body.length > 1024 * 1024)).toBe(true)
  })
})
