import { generateKeyPairSync } from 'node:crypto'
import type * as NodeCrypto from 'node:crypto'
import { base64url } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { VerifierCache, nodeSigner, nodeVerifier } from '../../server/crypto/nodeEs256.ts'
import {
  createKeyRing,
  importKey,
  signCompact,
  signGrant,
  verifyCompact,
  verifyGrant,
} from '../../src/core/index.ts'
import type { CryptoKey, Es256Verifier, JWK, PublicJwk } from '../../src/core/index.ts'
import {
  NOW,
  certify,
  claimsFor,
  createTrustChain,
  newKey,
  outcomeOf,
} from './crypto/trustChain.ts'
import type { Key, TrustChain } from './crypto/trustChain.ts'
import { hex, wycheproofCases, wycheproofFile } from '../fixtures/wycheproof/vectors.ts'
import type { WycheproofVector } from '../fixtures/wycheproof/vectors.ts'

// node:crypto as it is, except that a test may make `verify` call back with an error.
const injected = vi.hoisted(() => ({ verifyError: undefined as Error | undefined }))
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>()
  const verify = (...args: Parameters<typeof actual.verify>) => {
    const [, , , , callback] = args
    if (injected.verifyError) {
      callback(injected.verifyError, true)
      return
    }
    actual.verify(...args)
  }
  return { ...actual, verify }
})

// The server's ES256 through node:crypto must accept and refuse exactly what WebCrypto (through
// jose) does: a device or a grant never verifies on one path and not the other.

const wycheproof = wycheproofFile
const vectors = wycheproofCases

async function nodeAnswers(result: WycheproofVector['result']): Promise<Map<number, unknown>> {
  const verifiers = new Map<PublicJwk, Es256Verifier>()
  const answers = new Map<number, unknown>()
  for (const { jwk, vector } of vectors) {
    if (vector.result !== result) continue
    const verifier = verifiers.get(jwk) ?? nodeVerifier(jwk)
    verifiers.set(jwk, verifier)
    try {
      answers.set(vector.tcId, await verifier.verify(hex(vector.msg), hex(vector.sig)))
    } catch (error) {
      answers.set(vector.tcId, `rejected: ${String(error)}`)
    }
  }
  return answers
}

describe(`Wycheproof ECDSA P-256/SHA-256 P1363 through nodeVerifier (${wycheproof.numberOfTests} vectors)`, () => {
  it('covers every vector of the file, valid and invalid', () => {
    expect(vectors).toHaveLength(wycheproof.numberOfTests)
    expect(vectors.some((c) => c.vector.result === 'valid')).toBe(true)
    expect(vectors.some((c) => c.vector.result === 'invalid')).toBe(true)
  })

  it('answers true for every valid signature', async () => {
    const answers = await nodeAnswers('valid')
    const refused = [...answers].filter(([, answer]) => answer !== true).map(([id]) => id)
    expect(answers.size).toBeGreaterThan(0)
    expect(refused).toEqual([])
  })

  it('answers false (never true, never a rejection) for every invalid signature', async () => {
    const answers = await nodeAnswers('invalid')
    const wrong = [...answers].filter(([, answer]) => answer !== false)
    expect(answers.size).toBeGreaterThan(0)
    expect(wrong).toEqual([])
  })

  it('answers false for any "acceptable" signature: ES256 is strict r ‖ s', async () => {
    for (const answer of (await nodeAnswers('acceptable')).values()) expect(answer).toBe(false)
  })
})

// The order of P-256: a signature (r, s) also verifies as (r, n − s).
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

function highSTwin(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`)
  const twin = hex((P256_N - s).toString(16).padStart(64, '0'))
  const out = new Uint8Array(64)
  out.set(signature.subarray(0, 32))
  out.set(twin, 32)
  return out
}

const TYP = 'leeway-test+jwt'

/** The token with its signature replaced by `change(signature bytes)`. */
function withSignature(token: string, change: (signature: Uint8Array) => Uint8Array): string {
  const [header, payload, signature] = token.split('.')
  return `${header}.${payload}.${base64url.encode(change(base64url.decode(signature ?? '')))}`
}

const variants: [string, (token: string) => string, 'verified' | 'signature_invalid'][] = [
  ['as signed', (token) => token, 'verified'],
  [
    'with a tampered payload',
    (token) => {
      const [header, , signature] = token.split('.')
      const payload = base64url.encode(JSON.stringify({ sub: 'someone else', n: 1 }))
      return `${header}.${payload}.${signature}`
    },
    'signature_invalid',
  ],
  [
    'with one signature bit flipped',
    (token) =>
      withSignature(token, (signature) => {
        const copy = signature.slice()
        copy[40] = (copy[40] ?? 0) ^ 0x01
        return copy
      }),
    'signature_invalid',
  ],
  [
    'with a 63-byte signature (last byte dropped)',
    (token) => withSignature(token, (signature) => signature.subarray(0, 63)),
    'signature_invalid',
  ],
  [
    'with a 65-byte signature (a zero byte appended)',
    (token) =>
      withSignature(token, (signature) => {
        const longer = new Uint8Array(65)
        longer.set(signature)
        return longer
      }),
    'signature_invalid',
  ],
  [
    'with the signature as DER would start it (0x30 prefix, 65 bytes)',
    (token) =>
      withSignature(token, (signature) => {
        const longer = new Uint8Array(65)
        longer[0] = 0x30
        longer.set(signature, 1)
        return longer
      }),
    'signature_invalid',
  ],
  // ECDSA is malleable and neither jose nor node:crypto enforces low S: both accept the twin. What
  // matters is that the two paths agree (the replay key is the signed content, not the signature).
  ['with its high-S twin (r, n − s)', (token) => withSignature(token, highSTwin), 'verified'],
  [
    'with an empty signature',
    (token) => `${token.split('.').slice(0, 2).join('.')}.`,
    'signature_invalid',
  ],
  [
    'with an all-zero 64-byte signature',
    (token) => withSignature(token, () => new Uint8Array(64)),
    'signature_invalid',
  ],
]

describe('verifyCompact with a nodeVerifier and with a WebCrypto key', () => {
  let key: Key
  let webCryptoKey: CryptoKey
  let signers: Record<'WebCrypto' | 'nodeSigner', (payload: object) => Promise<string>>
  beforeAll(async () => {
    key = await newKey()
    webCryptoKey = await importKey(key.publicJwk)
    const node = nodeSigner(key.privateJwk)
    signers = {
      WebCrypto: (payload) => signCompact(payload, key.privateKey, { typ: TYP, kid: key.kid }),
      nodeSigner: (payload) => signCompact(payload, node, { typ: TYP, kid: key.kid }),
    }
  })

  describe.each(['WebCrypto', 'nodeSigner'] as const)('a token signed by %s', (signedBy) => {
    it.each(variants)('%s: both paths give the same outcome', async (_name, change, expected) => {
      const payload = { sub: 'lic_1', n: 1 }
      const token = change(await signers[signedBy](payload))
      const throughNode = await outcomeOf(() =>
        verifyCompact(token, nodeVerifier(key.publicJwk), 'test'),
      )
      const throughWebCrypto = await outcomeOf(() => verifyCompact(token, webCryptoKey, 'test'))
      expect({ throughNode, throughWebCrypto }).toEqual({
        throughNode: expected,
        throughWebCrypto: expected,
      })
      if (expected === 'verified')
        expect(await verifyCompact(token, nodeVerifier(key.publicJwk), 'test')).toEqual(payload)
    })
  })

  it('nodeSigner writes a 64-byte r ‖ s signature and the header the core asks for', async () => {
    const token = await signers.nodeSigner({ n: 1 })
    const [header, , signature] = token.split('.')
    expect(base64url.decode(signature ?? '')).toHaveLength(64)
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(header ?? '')))).toEqual({
      typ: TYP,
      kid: key.kid,
      alg: 'ES256',
    })
  })

  it('refuses a token signed by another key on both paths', async () => {
    const other = await newKey()
    const token = await signCompact({ n: 1 }, nodeSigner(other.privateJwk), { typ: TYP })
    expect(await outcomeOf(() => verifyCompact(token, nodeVerifier(key.publicJwk), 'test'))).toBe(
      'signature_invalid',
    )
    expect(await outcomeOf(() => verifyCompact(token, webCryptoKey, 'test'))).toBe(
      'signature_invalid',
    )
  })
})

describe('grants across implementations', () => {
  let chain: TrustChain
  beforeAll(async () => {
    chain = await createTrustChain()
  })

  const rings = {
    'WebCrypto (default)': (c: TrustChain) => createKeyRing(c.root.publicJwk, [c.cert]),
    nodeVerifier: (c: TrustChain) =>
      createKeyRing(c.root.publicJwk, [c.cert], (jwk) => Promise.resolve(nodeVerifier(jwk))),
  }

  it.each(Object.entries(rings))(
    'a grant signed by nodeSigner verifies against a %s key ring',
    async (_name, makeRing) => {
      const ring = await makeRing(chain)
      const claims = claimsFor(chain)
      const grant = await signGrant(claims, nodeSigner(chain.signer.privateJwk), chain.signer.kid)
      expect(await verifyGrant(grant, ring, { now: NOW })).toEqual(claims)
    },
  )

  it('a grant signed with a WebCrypto key verifies against a nodeVerifier key ring', async () => {
    const ring = await rings.nodeVerifier(chain)
    // Not vacuous: the ring does hold a node verifier, not a CryptoKey.
    expect(ring.lookup(chain.signer.kid).key).toMatchObject({ es256: 'verifier' })
    const claims = claimsFor(chain)
    const grant = await signGrant(claims, chain.signer.privateKey, chain.signer.kid)
    expect(await verifyGrant(grant, ring, { now: NOW })).toEqual(claims)
  })

  it('a grant under a certified kid but signed by an uncertified key is refused by a nodeVerifier ring', async () => {
    const ring = await rings.nodeVerifier(chain)
    const intruder = await newKey()
    const grant = await signGrant(
      claimsFor(chain),
      nodeSigner(intruder.privateJwk),
      chain.signer.kid,
    )
    expect(await outcomeOf(() => verifyGrant(grant, ring, { now: NOW }))).toBe('signature_invalid')
  })

  it('a certificate for a key that is not on P-256 is set aside by a nodeVerifier ring, not trusted', async () => {
    // The root certifies whatever JWK it is given; a ring built with nodeVerifier must refuse it.
    const offCurve = await newKey()
    const bad = { ...offCurve, publicJwk: { ...offCurve.publicJwk, y: offCurve.publicJwk.x } }
    const cert = await certify(chain.root, bad)
    const ring = await createKeyRing(chain.root.publicJwk, [cert], (jwk) =>
      Promise.resolve(nodeVerifier(jwk)),
    )
    expect(ring.certificates).toEqual([])
    expect(ring.rejected).toHaveLength(1)
  })
})

/** JWKs of keys that are not P-256, from node:crypto. */
function foreignKeys(): [string, JWK, JWK][] {
  const jwkPair = (pair: ReturnType<typeof generateKeyPairSync>): [JWK, JWK] => [
    pair.privateKey.export({ format: 'jwk' }) as JWK,
    pair.publicKey.export({ format: 'jwk' }) as JWK,
  ]
  return [
    ['a P-384 key', ...jwkPair(generateKeyPairSync('ec', { namedCurve: 'P-384' }))],
    // 32-byte coordinates like P-256's: only the curve tells them apart.
    ['a secp256k1 key', ...jwkPair(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }))],
    ['an Ed25519 key', ...jwkPair(generateKeyPairSync('ed25519'))],
    ['an RSA key', ...jwkPair(generateKeyPairSync('rsa', { modulusLength: 2048 }))],
  ]
}

describe('a verification that fails with an error', () => {
  afterEach(() => {
    injected.verifyError = undefined
  })

  it('is a refusal, never an acceptance, whatever else the callback says', async () => {
    const key = await newKey()
    const input = new TextEncoder().encode('x.y')
    const signature = await nodeSigner(key.privateJwk).sign(input)
    const verifier = nodeVerifier(key.publicJwk)
    expect(await verifier.verify(input, signature)).toBe(true)
    injected.verifyError = new Error('injected verify failure')
    expect(await verifier.verify(input, signature)).toBe(false)
    expect(await verifier.verify(input, new Uint8Array(64))).toBe(false)
  })
})

describe('keys that nodeSigner and nodeVerifier refuse', () => {
  it.each(foreignKeys())('%s: both throw', (_name, privateJwk, publicJwk) => {
    expect(() => nodeSigner(privateJwk)).toThrow()
    expect(() => nodeVerifier(publicJwk as unknown as PublicJwk)).toThrow()
  })

  it('a P-256 JWK whose point is not on the curve: both throw', async () => {
    const key = await newKey()
    const offCurve: PublicJwk = { ...key.publicJwk, y: key.publicJwk.x }
    expect(() => nodeVerifier(offCurve)).toThrow()
    expect(() => nodeSigner({ ...key.privateJwk, y: key.publicJwk.x })).toThrow()
  })

  it('a public JWK given to nodeSigner throws (it has no private part)', async () => {
    const key = await newKey()
    expect(() => nodeSigner(key.publicJwk)).toThrow()
  })

  it('a well-formed P-256 key is accepted by both (the refusals above are about the key)', async () => {
    const key = await newKey()
    expect(nodeSigner(key.privateJwk).es256).toBe('signer')
    expect(nodeVerifier(key.publicJwk).es256).toBe('verifier')
  })
})

describe('VerifierCache', () => {
  let texts: string[]
  beforeAll(async () => {
    const keys = await Promise.all([newKey(), newKey(), newKey()])
    texts = keys.map((k) => JSON.stringify(k.publicJwk))
  })

  /** A parse function that counts its calls per text. */
  function countingParse(): { parse: (text: string) => PublicJwk; calls: Map<string, number> } {
    const calls = new Map<string, number>()
    return {
      calls,
      parse: (text) => {
        calls.set(text, (calls.get(text) ?? 0) + 1)
        return JSON.parse(text) as PublicJwk
      },
    }
  }

  const at = (list: string[], index: number): string => {
    const value = list[index]
    if (value === undefined) throw new Error(`no text ${index}`)
    return value
  }

  it('returns the same verifier for the same text and parses it once', () => {
    const cache = new VerifierCache()
    const { parse, calls } = countingParse()
    const a = at(texts, 0)
    const first = cache.get(a, parse)
    expect(cache.get(a, parse)).toBe(first)
    expect(cache.get(a, parse)).toBe(first)
    expect(calls.get(a)).toBe(1)
  })

  it('keeps one verifier per text: another key gets another verifier', async () => {
    const cache = new VerifierCache()
    const { parse } = countingParse()
    const a = cache.get(at(texts, 0), parse)
    const b = cache.get(at(texts, 1), parse)
    expect(b).not.toBe(a)
    // Each verifier is its own key's: a's signature verifies with a only.
    const key = await newKey()
    const own = cache.get(JSON.stringify(key.publicJwk), parse)
    const input = new TextEncoder().encode('x.y')
    const signature = await nodeSigner(key.privateJwk).sign(input)
    expect(await own.verify(input, signature)).toBe(true)
    expect(await a.verify(input, signature)).toBe(false)
  })

  it('evicts the least recently used beyond its limit, not the oldest inserted', () => {
    const cache = new VerifierCache(2)
    const { parse, calls } = countingParse()
    const [a, b, c] = [at(texts, 0), at(texts, 1), at(texts, 2)]
    const verifierA = cache.get(a, parse)
    cache.get(b, parse)
    cache.get(a, parse) // a is now the most recently used; b the least
    cache.get(c, parse) // over the limit: b goes
    expect(cache.get(a, parse)).toBe(verifierA)
    expect(calls.get(a)).toBe(1)
    cache.get(b, parse)
    expect(calls.get(b)).toBe(2)
    // b came back and pushed out c, the least recently used by then (a was used after c).
    cache.get(a, parse)
    expect(calls.get(a)).toBe(1)
    cache.get(c, parse)
    expect(calls.get(c)).toBe(2)
  })

  it('lets a parse error through and caches nothing for it, evicting nothing', () => {
    const cache = new VerifierCache(2)
    const { parse, calls } = countingParse()
    const [a, b] = [at(texts, 0), at(texts, 1)]
    cache.get(a, parse)
    cache.get(b, parse)
    const failure = new Error('not JSON')
    expect(() =>
      cache.get('{broken', () => {
        throw failure
      }),
    ).toThrow(failure)
    // A key that is not on P-256 throws from nodeVerifier, and is not cached either.
    const offCurve = JSON.stringify({
      ...(JSON.parse(a) as PublicJwk),
      y: (JSON.parse(a) as PublicJwk).x,
    })
    expect(() => cache.get(offCurve, parse)).toThrow()
    expect(() => cache.get(offCurve, parse)).toThrow()
    expect(calls.get(offCurve)).toBe(2)
    // The two good entries are still there: nothing was parsed again.
    cache.get(a, parse)
    cache.get(b, parse)
    expect([calls.get(a), calls.get(b)]).toEqual([1, 1])
    // And the text that failed to parse is parsed anew the next time.
    const { parse: parseAgain, calls: callsAgain } = countingParse()
    expect(() => cache.get('{broken', parseAgain)).toThrow(SyntaxError)
    expect(callsAgain.get('{broken')).toBe(1)
  })
})
