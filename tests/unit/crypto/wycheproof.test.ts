import { base64url } from 'jose'
import type { JWK } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { importKey, verifyCompact } from '../../../src/core/index.ts'
import type { CryptoKey } from '../../../src/core/index.ts'
import { outcomeOf } from './trustChain.ts'
import { hex, wycheproofCases, wycheproofFile } from '../../fixtures/wycheproof/vectors.ts'
import type { WycheproofVector } from '../../fixtures/wycheproof/vectors.ts'

// Project Wycheproof's ECDSA P-256/SHA-256 vectors in IEEE P1363 form (r ‖ s, as JWS ES256 uses),
// copied into tests/fixtures/wycheproof (see its README for the origin). Run on both WebCrypto
// implementations, like every suite in this folder.
//
// A vector signs arbitrary bytes, and a JWS signature covers `header.payload` text, so no compact
// JWS carries a vector's message. The test therefore checks two things that together make the
// core's path: (1) jose's ES256 ends in `crypto.subtle.verify({name: 'ECDSA', hash: 'SHA-256'},
// key, signature, signingInput)` with the signature bytes exactly as decoded from the token, and
// (2) that call, with the vector's key imported by the core's `importKey`, accepts every valid
// vector and rejects every invalid one.
//
// "acceptable" vectors: this file (schema ecdsa_p1363_verify_schema_v1) has none. Were a later copy
// to carry some, they must be rejected: ES256 fixes the 64-byte r ‖ s form (RFC 7518 §3.4) and
// Leeway signs only in that form, so leniency would buy nothing.

type Vector = WycheproofVector
const ES256 = { name: 'ECDSA', hash: 'SHA-256' }
const file = wycheproofFile
const cases = wycheproofCases

const byResult = (result: Vector['result']) => cases.filter((c) => c.vector.result === result)
const valid = byResult('valid')
const invalid = byResult('invalid')
const acceptable = byResult('acceptable')

const keys = new Map<string, CryptoKey>()
beforeAll(async () => {
  for (const { jwk } of cases) {
    const id = `${jwk.x}.${jwk.y}`
    if (!keys.has(id)) keys.set(id, await importKey(jwk))
  }
})

function keyOf(jwk: JWK): CryptoKey {
  const key = keys.get(`${jwk.x}.${jwk.y}`)
  if (!key) throw new Error('key not imported')
  return key
}

/** The call jose's ES256 verification makes, on the vector's own message; a throw is a rejection. */
async function verifiesAsEs256(jwk: JWK, vector: Vector): Promise<boolean> {
  try {
    return await crypto.subtle.verify(ES256, keyOf(jwk), hex(vector.sig), hex(vector.msg))
  } catch {
    return false
  }
}

describe(`Wycheproof ECDSA P-256/SHA-256 P1363: ${file.numberOfTests} vectors`, () => {
  it(`counts ${valid.length} valid, ${invalid.length} invalid and ${acceptable.length} acceptable, all on P-256 with SHA-256`, () => {
    expect(valid.length + invalid.length + acceptable.length).toBe(file.numberOfTests)
    expect(cases).toHaveLength(file.numberOfTests)
    for (const { group, jwk } of cases) {
      expect([group.publicKey.curve, group.sha]).toEqual(['secp256r1', 'SHA-256'])
      // Where the file gives the JWK too, the one built from the coordinates is the same key.
      if (group.publicKeyJwk) {
        expect([jwk.x, jwk.y]).toEqual([group.publicKeyJwk.x, group.publicKeyJwk.y])
      }
    }
  })

  it(`accepts all ${valid.length} valid signatures`, async () => {
    const refused = []
    for (const { jwk, vector } of valid)
      if (!(await verifiesAsEs256(jwk, vector))) refused.push(vector.tcId)
    expect(refused).toEqual([])
  })

  it(`rejects all ${invalid.length} invalid signatures (r or s zero or out of range, wrong size, DER, …)`, async () => {
    const accepted = []
    for (const { jwk, vector } of invalid)
      if (await verifiesAsEs256(jwk, vector)) accepted.push(vector.tcId)
    expect(accepted).toEqual([])
  })

  it(`rejects all ${acceptable.length} acceptable signatures`, async () => {
    for (const { jwk, vector } of acceptable) expect(await verifiesAsEs256(jwk, vector)).toBe(false)
  })
})

describe('the core verifies ES256 with exactly that call', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it(`hands each of the ${file.numberOfTests} signatures, byte for byte, to crypto.subtle.verify as ECDSA with SHA-256`, async () => {
    const verify = vi.spyOn(crypto.subtle, 'verify')
    const header = base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'leeway-proof+jwt' }))
    const payload = base64url.encode(JSON.stringify({ jti: 'wycheproof', ts: 0 }))
    for (const { jwk, vector } of cases) {
      verify.mockClear()
      const token = `${header}.${payload}.${base64url.encode(hex(vector.sig))}`
      // Over a JWS signing input no vector signed, every one is refused, and only as a bad signature.
      expect(await outcomeOf(() => verifyCompact(token, jwk, 'vector'))).toBe('signature_invalid')
      expect(verify).toHaveBeenCalledTimes(1)
      const [algorithm, , signature, data] = verify.mock.calls[0] ?? []
      expect(algorithm).toEqual(ES256)
      expect(new Uint8Array(signature as ArrayBuffer)).toEqual(hex(vector.sig))
      expect(new TextDecoder().decode(data as Uint8Array)).toBe(`${header}.${payload}`)
    }
  })
})
