import { CompactSign, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  CERT_TYP,
  GRANT_TYP,
  PROOF_TYP,
  signProof,
  verifyCertificate,
  verifyGrant,
  verifyProof,
} from '../../../src/core/index.ts'
import { NOW, NOW_S, claimsFor, createTrustChain, grantFor, outcomeOf } from './trustChain.ts'
import type { TrustChain } from './trustChain.ts'

let chain: TrustChain
beforeAll(async () => {
  chain = await createTrustChain()
})

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The three verifiers, each expecting its own typ; a proof hides every reason behind proof_invalid. */
const verifiers = {
  grant: (token: unknown) => verifyGrant(token, chain.ring, { now: NOW }),
  certificate: (token: unknown) => verifyCertificate(token, chain.root.publicJwk),
  proof: (token: unknown) =>
    verifyProof(token, chain.device.publicJwk, { jti: 'grant_1', now: NOW }),
}
const TYP = { grant: GRANT_TYP, certificate: CERT_TYP, proof: PROOF_TYP }

describe('tokens of one kind presented as another', () => {
  type Kind = keyof typeof verifiers
  const tokenOf: Record<Kind, () => Promise<string>> = {
    grant: () => grantFor(chain),
    certificate: async () => chain.cert,
    proof: () => signProof({ jti: 'grant_1', ts: NOW_S }, chain.device.privateKey),
  }

  it.each<[Kind, Kind, string]>([
    ['certificate', 'grant', 'typ_mismatch'],
    ['grant', 'certificate', 'typ_mismatch'],
    ['proof', 'grant', 'typ_mismatch'],
    ['proof', 'certificate', 'typ_mismatch'],
    ['grant', 'proof', 'proof_invalid'],
    ['certificate', 'proof', 'proof_invalid'],
  ])('a %s presented as a %s is rejected: %s', async (kind, verifier, code) => {
    const token = await tokenOf[kind]()
    expect(await outcomeOf(() => verifiers[verifier](token))).toBe(code)
  })

  it('says which typ it expected', async () => {
    await expect(verifyGrant(chain.cert, chain.ring, { now: NOW })).rejects.toThrow(
      `expected typ ${GRANT_TYP}, got "${CERT_TYP}"`,
    )
  })
})

describe('tokens with an algorithm other than ES256', () => {
  // Each token otherwise looks right for its verifier, kid included, so only alg can reject it.
  async function forgeries(kind: keyof typeof verifiers): Promise<[string, string][]> {
    const header = { typ: TYP[kind], kid: chain.signer.kid }
    const payload = new TextEncoder().encode(JSON.stringify(claimsFor(chain)))
    const hs256 = await new CompactSign(payload)
      .setProtectedHeader({ ...header, alg: 'HS256' })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'))
    // The classic confusion attack: HMAC keyed with the public key the verifier trusts.
    const confused = await new CompactSign(payload)
      .setProtectedHeader({ ...header, alg: 'HS256' })
      .sign(new TextEncoder().encode(JSON.stringify(chain.signer.publicJwk)))
    const p384 = await generateKeyPair('ES384')
    const es384 = await new CompactSign(payload)
      .setProtectedHeader({ ...header, alg: 'ES384' })
      .sign(p384.privateKey)
    return [
      ['alg none, empty signature', `${b64({ ...header, alg: 'none' })}.${b64(claimsFor(chain))}.`],
      [
        'alg none with a signature',
        `${b64({ ...header, alg: 'none' })}.${b64(claimsFor(chain))}.AAAA`,
      ],
      ['alg None', `${b64({ ...header, alg: 'None' })}.${b64(claimsFor(chain))}.`],
      ['no alg at all', `${b64(header)}.${b64(claimsFor(chain))}.AAAA`],
      ['HS256', hs256],
      ['HS256 keyed with the public key', confused],
      ['ES384', es384],
    ]
  }

  it.each<[keyof typeof verifiers, string]>([
    ['grant', 'alg_not_allowed'],
    ['certificate', 'alg_not_allowed'],
    ['proof', 'proof_invalid'],
  ])('are refused by the %s verifier with %s', async (kind, code) => {
    for (const [label, token] of await forgeries(kind)) {
      expect([label, await outcomeOf(() => verifiers[kind](token))]).toEqual([label, code])
    }
  })

  it('are refused on alg before typ or kid is looked at', async () => {
    const token = `${b64({ alg: 'HS256', typ: 'something+jwt', kid: 'nobody' })}.${b64({})}.AAAA`
    expect(await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW }))).toBe(
      'alg_not_allowed',
    )
    expect(await outcomeOf(() => verifyCertificate(token, chain.root.publicJwk))).toBe(
      'alg_not_allowed',
    )
    await expect(verifiers.proof(token)).rejects.toThrow('alg_not_allowed')
  })
})

describe('things that are not compact JWS at all', () => {
  it.each<[string, unknown]>([
    ['the empty string', ''],
    ['two segments', 'eyJhbGciOiJFUzI1NiJ9.e30'],
    ['four segments', 'a.b.c.d'],
    ['plain words', 'not a token'],
    ['a number', 42],
    ['null', null],
    ['an object', { token: 'x' }],
    ['a header that is not JSON', 'bm90IGpzb24.e30.AAAA'],
    ['an oversized token', `${'a'.repeat(20_000)}.e30.AAAA`],
  ])('%s is token_malformed', async (_, token) => {
    expect(await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW }))).toBe(
      'token_malformed',
    )
    expect(await outcomeOf(() => verifyCertificate(token, chain.root.publicJwk))).toBe(
      'token_malformed',
    )
  })

  it('an ES256 grant with its signature removed is signature_invalid', async () => {
    const token = (await grantFor(chain)).replace(/[^.]+$/, '')
    expect(await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW }))).toBe(
      'signature_invalid',
    )
  })
})
