import { base64url } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { proofReplayKey, signProof, verifyProof } from '../../../src/core/index.ts'
import { NOW, NOW_S, createTrustChain, outcomeOf } from './trustChain.ts'
import type { TrustChain } from './trustChain.ts'

// Regression: the server remembered used proofs by the SHA-256 of their text, so one captured
// proof could be replayed 31 more times, in spellings that verify just as well.

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

let chain: TrustChain
let proof: string
beforeAll(async () => {
  chain = await createTrustChain()
  proof = await signProof({ jti: 'grant_1', ts: NOW_S }, chain.device.privateKey)
})

const verify = (token: string) =>
  verifyProof(token, chain.device.publicJwk, { jti: 'grant_1', now: NOW })

/** The high-S twin (r, n − s) of a P-256 signature: a different signature of the same message. */
function twin(token: string): string {
  const [header, payload, signature] = token.split('.')
  const bytes = base64url.decode(signature ?? '')
  const s = BigInt(`0x${Buffer.from(bytes.subarray(32)).toString('hex')}`)
  const twinS = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')
  return `${header}.${payload}.${base64url.encode(new Uint8Array([...bytes.subarray(0, 32), ...twinS]))}`
}

/** The token with its last character replaced by every one that decodes to the same bytes. */
function spellings(token: string): string[] {
  const last = token.at(-1) ?? ''
  // 86 characters carry 64 bytes: the last one holds 2 bits of the signature and 4 unused ones.
  return Array.from(
    { length: 16 },
    (_, bits) => `${token.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(last) ^ bits]}`,
  )
}

describe('one signed proof', () => {
  it('verifies in 32 spellings, which all have one replay key', async () => {
    const all = [...spellings(proof), ...spellings(twin(proof))]
    expect(new Set(all).size).toBe(32)
    for (const token of all) expect(await outcomeOf(() => verify(token))).toBe('verified')
    expect(new Set(all.map(proofReplayKey))).toEqual(new Set([proofReplayKey(proof)]))
  })
})

describe('other proofs', () => {
  it('have other replay keys, even of the same claims signed again', async () => {
    const again = await signProof({ jti: 'grant_1', ts: NOW_S }, chain.device.privateKey)
    const later = await signProof({ jti: 'grant_1', ts: NOW_S + 1 }, chain.device.privateKey)
    const keys = [proof, again, later].map(proofReplayKey)
    expect(new Set(keys).size).toBe(3)
  })

  it.each([
    ['not a compact JWS', 'garbage'],
    ['four segments', 'a.b.c.d'],
    ['a signature that is not base64url', 'a.b.c*'],
  ])('are their own key when they are %s', (_what, token) => {
    expect(proofReplayKey(token)).toBe(token)
  })
})
