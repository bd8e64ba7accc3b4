import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  PROOF_TYP,
  proofNonce,
  signCompact,
  signProof,
  verifyProof,
} from '../../../src/core/index.ts'
import { NOW, NOW_S, createTrustChain, newKey, outcomeOf } from './trustChain.ts'
import type { Key, TrustChain } from './trustChain.ts'

let chain: TrustChain
let otherDevice: Key
beforeAll(async () => {
  chain = await createTrustChain()
  otherDevice = await newKey()
})

const verify = (token: string) =>
  verifyProof(token, chain.device.publicJwk, { jti: 'grant_1', now: NOW })

describe('a proof of possession of the device key', () => {
  it('verifies for its grant and returns jti and ts', async () => {
    const token = await signProof({ jti: 'grant_1', ts: NOW_S }, chain.device.privateKey)
    expect(await verify(token)).toEqual({ jti: 'grant_1', ts: NOW_S })
  })

  it('verifies against the device key as an imported key as well as a JWK', async () => {
    const token = await signProof({ jti: 'grant_1', ts: NOW_S }, chain.device.privateKey)
    const claims = await verifyProof(token, chain.device.publicKey, { jti: 'grant_1', now: NOW })
    expect(claims.jti).toBe('grant_1')
  })

  it.each<[string, number]>([
    ['exactly 5 minutes old', NOW_S - 300],
    ['exactly 5 minutes ahead', NOW_S + 300],
  ])('is accepted when %s', async (_, ts) => {
    const token = await signProof({ jti: 'grant_1', ts }, chain.device.privateKey)
    expect(await outcomeOf(() => verify(token))).toBe('verified')
  })
})

describe('a proof that does not prove what it should', () => {
  it.each<[string, () => Promise<string>]>([
    ['for another grant', () => signProof({ jti: 'grant_2', ts: NOW_S }, chain.device.privateKey)],
    [
      'too old (5 minutes and 1 second)',
      () => signProof({ jti: 'grant_1', ts: NOW_S - 301 }, chain.device.privateKey),
    ],
    [
      'too old (an hour)',
      () => signProof({ jti: 'grant_1', ts: NOW_S - 3_600 }, chain.device.privateKey),
    ],
    [
      'from the future',
      () => signProof({ jti: 'grant_1', ts: NOW_S + 301 }, chain.device.privateKey),
    ],
    [
      'signed by another device key',
      () => signProof({ jti: 'grant_1', ts: NOW_S }, otherDevice.privateKey),
    ],
    [
      'with ts in milliseconds',
      () => signProof({ jti: 'grant_1', ts: NOW }, chain.device.privateKey),
    ],
    [
      'with a fractional ts',
      () =>
        signCompact({ jti: 'grant_1', ts: NOW_S + 0.5 }, chain.device.privateKey, {
          typ: PROOF_TYP,
        }),
    ],
    ['with no jti', () => signCompact({ ts: NOW_S }, chain.device.privateKey, { typ: PROOF_TYP })],
    [
      'with no typ',
      () => signCompact({ jti: 'grant_1', ts: NOW_S }, chain.device.privateKey, { typ: 'JWT' }),
    ],
  ])('is proof_invalid: %s', async (_, make) => {
    const token = await make()
    expect(await outcomeOf(() => verify(token))).toBe('proof_invalid')
  })
})

describe('a proof bound to a request (#11, item 8c)', () => {
  const VALIDATE = { htm: 'POST', htu: '/api/v1/validate' }
  const DEACTIVATE = { htm: 'POST', htu: '/api/v1/deactivate' }
  const signed = (claims: object) =>
    signCompact({ jti: 'grant_1', ts: NOW_S, ...claims }, chain.device.privateKey, {
      typ: PROOF_TYP,
    })
  const at = (token: string, endpoint?: { htm: string; htu: string }, acceptUnbound?: boolean) =>
    outcomeOf(() =>
      verifyProof(token, chain.device.publicJwk, {
        jti: 'grant_1',
        now: NOW,
        ...(endpoint ? { endpoint } : {}),
        ...(acceptUnbound === undefined ? {} : { acceptUnbound }),
      }),
    )

  it('verifies at its endpoint, and under a prefix a proxy serves the API at', async () => {
    expect(await at(await signed(VALIDATE), VALIDATE)).toBe('verified')
    expect(await at(await signed({ htm: 'POST', htu: '/license/api/v1/validate' }), VALIDATE)).toBe(
      'verified',
    )
  })

  it.each<[string, object, { htm: string; htu: string } | undefined]>([
    ['made for another endpoint', DEACTIVATE, VALIDATE],
    ['made for another method', { htm: 'GET', htu: '/api/v1/validate' }, VALIDATE],
    [
      'made for a path that only begins like it',
      { htm: 'POST', htu: '/api/v1/validate/x' },
      VALIDATE,
    ],
    ['where no endpoint is named', VALIDATE, undefined],
    ['with htm alone', { htm: 'POST' }, VALIDATE],
    ['with htu alone', { htu: '/api/v1/validate' }, VALIDATE],
    ['with a number for htu', { htm: 'POST', htu: 1 }, VALIDATE],
  ])('Should not verify a proof %s - proof_invalid', async (_, claims, endpoint) => {
    expect(await at(await signed(claims), endpoint)).toBe('proof_invalid')
  })

  it('Should not take an unbound proof where an endpoint is named, unless told to - older workers still sign those', async () => {
    const unbound = await signed({})
    expect(await at(unbound, DEACTIVATE)).toBe('proof_invalid')
    expect(await at(unbound, VALIDATE, true)).toBe('verified')
    expect(await at(unbound)).toBe('verified')
  })
})

describe('proofNonce', () => {
  const proofs = ['a.b.c', 'eyJ0eXAiOiJsZWV3YXktcHJvb2Yrand0In0.e30.sig', 'ü'.repeat(300)]

  it.each(proofs)(
    'is base64url of the first 128 bits of SHA-256 of the proof: %#',
    async (proof) => {
      const expected = createHash('sha256').update(proof, 'utf8').digest().subarray(0, 16)
      expect(await proofNonce(proof)).toBe(expected.toString('base64url'))
    },
  )

  it.each(proofs)(
    'is the same with a SHA-256 of the caller’s (the server’s node:crypto): %#',
    async (proof) => {
      const nodeSha256 = (data: Uint8Array) => createHash('sha256').update(data).digest()
      expect(await proofNonce(proof, nodeSha256)).toBe(await proofNonce(proof))
    },
  )

  it('differs for proofs that differ in one character', async () => {
    expect(await proofNonce('a.b.c')).not.toBe(await proofNonce('a.b.d'))
  })
})
