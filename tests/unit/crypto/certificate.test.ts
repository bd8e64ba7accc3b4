import { beforeAll, describe, expect, it } from 'vitest'
import {
  CERT_TYP,
  createKeyRing,
  signCompact,
  verifyCertificate,
  verifyGrant,
} from '../../../src/core/index.ts'
import {
  DAY_S,
  NOW,
  NOW_S,
  certify,
  createTrustChain,
  grantFor,
  newKey,
  outcomeOf,
} from './trustChain.ts'
import type { TrustChain } from './trustChain.ts'

let chain: TrustChain
beforeAll(async () => {
  chain = await createTrustChain()
})

describe('a signing-key certificate from the pinned root', () => {
  it('verifies and returns its claims', async () => {
    const cert = await certify(chain.root, chain.signer, { nbf: NOW_S, exp: NOW_S + DAY_S })
    expect(await verifyCertificate(cert, chain.root.publicJwk)).toEqual({
      kid: chain.signer.kid,
      jwk: chain.signer.publicJwk,
      nbf: NOW_S,
      exp: NOW_S + DAY_S,
      use: 'grant',
    })
  })

  it('verifies with the root as an imported key as well as a JWK', async () => {
    expect((await verifyCertificate(chain.cert, chain.root.publicKey)).kid).toBe(chain.signer.kid)
  })

  it('keeps only the public members of the certified key', async () => {
    const cert = await signCompact(
      {
        kid: chain.signer.kid,
        jwk: { ...chain.signer.publicJwk, kid: 'extra', use: 'sig' },
        nbf: NOW_S,
        exp: NOW_S + DAY_S,
        use: 'grant',
      },
      chain.root.privateKey,
      { typ: CERT_TYP },
    )
    expect(Object.keys((await verifyCertificate(cert, chain.root.publicJwk)).jwk).sort()).toEqual([
      'crv',
      'kty',
      'x',
      'y',
    ])
  })

  it('is signature_invalid when another root signed it', async () => {
    const otherRoot = await newKey()
    const cert = await certify(otherRoot, chain.signer)
    expect(await outcomeOf(() => verifyCertificate(cert, chain.root.publicJwk))).toBe(
      'signature_invalid',
    )
  })
})

describe('certificate claims that the root signed but that make no sense', () => {
  it.each<[string, Record<string, unknown>]>([
    ['a use other than grant', { use: 'encrypt' }],
    ['exp not after nbf', { exp: NOW_S - DAY_S }],
    ['times in milliseconds', { nbf: NOW, exp: NOW + DAY_S * 1000 }],
    ['an empty kid', { kid: '' }],
    ['a private key in jwk', { jwk: 'private' }],
    ['an RSA key', { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }],
  ])('are cert_invalid, and the key ring sets them aside: %s', async (_, change) => {
    const jwk = change.jwk === 'private' ? chain.signer.privateJwk : change.jwk
    const cert = await signCompact(
      {
        kid: chain.signer.kid,
        jwk: chain.signer.publicJwk,
        nbf: NOW_S - DAY_S,
        exp: NOW_S + DAY_S,
        use: 'grant',
        ...change,
        ...(jwk === undefined ? {} : { jwk }),
      },
      chain.root.privateKey,
      { typ: CERT_TYP },
    )
    expect(await outcomeOf(() => verifyCertificate(cert, chain.root.publicJwk))).toBe(
      'cert_invalid',
    )
    const ring = await createKeyRing(chain.root.publicJwk, [cert])
    expect(ring.rejected.map((entry) => entry.code)).toEqual(['cert_invalid'])
    expect(
      await outcomeOf(async () => verifyGrant(await grantFor(chain), ring, { now: NOW })),
    ).toBe('kid_unknown')
  })
})

describe('a key ring built from several certificates', () => {
  it('keeps a good certificate beside corrupt ones', async () => {
    const ring = await createKeyRing(chain.root.publicJwk, ['garbage', 42, null, chain.cert])
    expect(ring.certificates.map((cert) => cert.kid)).toEqual([chain.signer.kid])
    expect(ring.rejected.map((entry) => entry.code)).toEqual([
      'token_malformed',
      'token_malformed',
      'token_malformed',
    ])
    expect(
      await outcomeOf(async () => verifyGrant(await grantFor(chain), ring, { now: NOW })),
    ).toBe('verified')
  })

  it('checks a grant against the certificate of its key that covers its iat', async () => {
    // The key was certified for days 0-2, then re-certified from day 5: a grant signed on day 1
    // must still verify under the first certificate, whichever order the two arrive in.
    const first = await certify(chain.root, chain.signer, {
      nbf: NOW_S - DAY_S,
      exp: NOW_S + 2 * DAY_S,
    })
    const renewed = await certify(chain.root, chain.signer, {
      nbf: NOW_S + 5 * DAY_S,
      exp: NOW_S + 9 * DAY_S,
    })
    const grant = await grantFor(chain)
    for (const order of [
      [first, renewed],
      [renewed, first],
    ]) {
      const ring = await createKeyRing(chain.root.publicJwk, order)
      expect(ring.certificates.map((cert) => cert.exp).sort()).toEqual([
        NOW_S + 2 * DAY_S,
        NOW_S + 9 * DAY_S,
      ])
      expect(await outcomeOf(() => verifyGrant(grant, ring, { now: NOW }))).toBe('verified')
    }
    const onlyRenewed = await createKeyRing(chain.root.publicJwk, [renewed])
    expect(await outcomeOf(() => verifyGrant(grant, onlyRenewed, { now: NOW }))).toBe(
      'cert_not_valid',
    )
  })

  it('trusts several signing keys at once, so keys rotate without re-activation', async () => {
    const next = await newKey()
    const ring = await createKeyRing(chain.root.publicJwk, [
      chain.cert,
      await certify(chain.root, next),
    ])
    const old = await grantFor(chain)
    const rotated = await grantFor({ ...chain, signer: next })
    expect(await outcomeOf(() => verifyGrant(old, ring, { now: NOW }))).toBe('verified')
    expect(await outcomeOf(() => verifyGrant(rotated, ring, { now: NOW }))).toBe('verified')
    expect(ring.lookup(next.kid).cert.kid).toBe(next.kid)
  })
})
