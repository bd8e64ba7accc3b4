import { beforeAll, describe, expect, it } from 'vitest'
import {
  GRANT_TYP,
  createKeyRing,
  signCompact,
  signGrant,
  verifyGrant,
} from '../../../src/core/index.ts'
import type { GrantExpectation } from '../../../src/core/index.ts'
import {
  DAY_S,
  NOW,
  NOW_S,
  certify,
  claimsFor,
  createTrustChain,
  grantFor,
  newKey,
  outcomeOf,
} from './trustChain.ts'
import type { TrustChain } from './trustChain.ts'
import { demoGrant } from '../support/demo.ts'

let chain: TrustChain
beforeAll(async () => {
  chain = await createTrustChain()
})

describe('a grant signed by a certified signing key', () => {
  it('verifies and returns exactly the claims that were signed', async () => {
    const claims = claimsFor(chain, { exp: NOW_S + 30 * DAY_S })
    const token = await signGrant(claims, chain.signer.privateKey, chain.signer.kid)
    expect(await verifyGrant(token, chain.ring, { now: NOW })).toEqual(claims)
  })

  it('verifies when bound to this device, product, license and device key', async () => {
    const token = await grantFor(chain)
    const expect_: GrantExpectation = {
      aud: 'notes',
      dev: 'dev_a',
      sub: 'lic_demo',
      jkt: chain.device.kid,
    }
    expect((await verifyGrant(token, chain.ring, { now: NOW, expect: expect_ })).jti).toBe(
      'grant_1',
    )
  })

  it('drops unknown claims', async () => {
    const token = await signCompact(
      { ...claimsFor(chain), email: 'someone@example.com' },
      chain.signer.privateKey,
      { typ: GRANT_TYP, kid: chain.signer.kid },
    )
    expect(await verifyGrant(token, chain.ring, { now: NOW })).not.toHaveProperty('email')
  })
})

describe('a grant bound elsewhere', () => {
  it.each<[string, () => GrantExpectation]>([
    ['another device', () => ({ dev: 'dev_b' })],
    ['another product', () => ({ aud: 'sheets' })],
    ['another license', () => ({ sub: 'lic_other' })],
    ['another device key', () => ({ jkt: 'x'.repeat(43) })],
  ])('is claims_invalid on %s', async (_, expectation) => {
    const token = await grantFor(chain)
    expect(
      await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW, expect: expectation() })),
    ).toBe('claims_invalid')
  })
})

describe('a grant the key ring cannot vouch for', () => {
  it('is kid_unknown when its signing key has no certificate', async () => {
    const stranger = await newKey()
    const token = await signGrant(claimsFor(chain), stranger.privateKey, stranger.kid)
    expect(await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW }))).toBe('kid_unknown')
  })

  it('is signature_invalid when another key signs under a certified kid', async () => {
    const stranger = await newKey()
    const token = await signGrant(claimsFor(chain), stranger.privateKey, chain.signer.kid)
    expect(await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW }))).toBe(
      'signature_invalid',
    )
  })

  it('is token_malformed when the header names no kid', async () => {
    const token = await signCompact(claimsFor(chain), chain.signer.privateKey, { typ: GRANT_TYP })
    expect(await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW }))).toBe(
      'token_malformed',
    )
  })

  it('is kid_unknown when its certificate was signed by another root', async () => {
    const otherRoot = await newKey()
    const foreignCert = await certify(otherRoot, chain.signer)
    const ring = await createKeyRing(chain.root.publicJwk, [foreignCert])
    expect(ring.certificates).toEqual([])
    expect(ring.rejected).toEqual([{ token: foreignCert, code: 'signature_invalid' }])
    const token = await grantFor(chain)
    expect(await outcomeOf(() => verifyGrant(token, ring, { now: NOW }))).toBe('kid_unknown')
  })
})

describe('grant claims that break the schema', () => {
  it.each<[string, Record<string, unknown>]>([
    ['iat in milliseconds', { iat: NOW }],
    ['a status the core does not know', { status: 'paused' }],
    ['a zero recheck', { pol: { ...demoGrant().pol, recheck: 0 } }],
    ['no device binding', { cnf: undefined }],
    ['a seq of zero', { seq: 0 }],
  ])('are claims_invalid: %s', async (_, change) => {
    const token = await signCompact({ ...claimsFor(chain), ...change }, chain.signer.privateKey, {
      typ: GRANT_TYP,
      kid: chain.signer.kid,
    })
    expect(await outcomeOf(() => verifyGrant(token, chain.ring, { now: NOW }))).toBe(
      'claims_invalid',
    )
  })
})

describe('the certificate window, against the grant iat and the verifier clock', () => {
  const iat = NOW_S
  it.each<[string, { nbf: number; exp: number }, number, string]>([
    ['valid at iat and now', { nbf: iat - DAY_S, exp: iat + DAY_S }, NOW, 'verified'],
    ['valid from the grant iat exactly', { nbf: iat, exp: iat + DAY_S }, NOW, 'verified'],
    [
      'not yet valid at the grant iat',
      { nbf: iat + 1, exp: iat + DAY_S },
      NOW + 2000,
      'cert_not_valid',
    ],
    [
      'expired at the grant iat',
      { nbf: iat - DAY_S, exp: iat },
      NOW - DAY_S * 1000,
      'cert_not_valid',
    ],
    [
      'valid at iat but expired now',
      { nbf: iat - DAY_S, exp: iat + 10 },
      (iat + 10) * 1000,
      'cert_not_valid',
    ],
    [
      'valid at iat and 1 ms before it expires now',
      { nbf: iat - DAY_S, exp: iat + 10 },
      (iat + 10) * 1000 - 1,
      'verified',
    ],
    // The grant's iat is signed server time; a device clock that runs behind a freshly rotated
    // key must not lock its user out, so nbf is checked against iat only.
    [
      'valid at iat, not yet valid by a device clock 10 minutes slow',
      { nbf: iat, exp: iat + DAY_S },
      NOW - 600_000,
      'verified',
    ],
  ])('%s: %s', async (_, window, now, outcome) => {
    const ring = await createKeyRing(chain.root.publicJwk, [
      await certify(chain.root, chain.signer, window),
    ])
    const token = await grantFor(chain, { iat })
    expect(await outcomeOf(() => verifyGrant(token, ring, { now }))).toBe(outcome)
  })
})
