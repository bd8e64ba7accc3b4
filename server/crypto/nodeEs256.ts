import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { Es256Signer, Es256Verifier, JWK, PublicJwk } from '../../src/core/index.ts'
import { LruCache } from '../lruCache.ts'

// ES256 for the server's hot path through node:crypto: signing and verifying take about a third
// of the time they take through jose's WebCrypto path on Node 20, and with a callback they run on
// libuv's thread pool, so one validation's cryptography does not hold the event loop and both
// cores work. The browser and the worker keep WebCrypto. Same bytes either way: JWS ES256 is
// r ‖ s over the signing input (`ieee-p1363`), and the core assembles and parses the token.

const P1363 = 'ieee-p1363'

/** A signer over a private P-256 JWK (the unsealed signing key). */
export function nodeSigner(privateJwk: JWK): Es256Signer {
  const key = createPrivateKey({ key: { ...privateJwk }, format: 'jwk' })
  assertP256(key)
  return {
    es256: 'signer',
    sign: (signingInput) =>
      new Promise((resolve, reject) => {
        sign('sha256', signingInput, { key, dsaEncoding: P1363 }, (error, signature) =>
          error ? reject(error) : resolve(signature),
        )
      }),
  }
}

/** A verifier over a public P-256 JWK; throws if it is not a point on P-256. */
export function nodeVerifier(publicJwk: PublicJwk): Es256Verifier {
  const key = createPublicKey({ key: { ...publicJwk }, format: 'jwk' })
  assertP256(key)
  return {
    es256: 'verifier',
    verify: (signingInput, signature) =>
      new Promise((resolve) => {
        verify('sha256', signingInput, { key, dsaEncoding: P1363 }, signature, (error, ok) =>
          resolve(!error && ok),
        )
      }),
  }
}

function assertP256(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new TypeError('not a P-256 key')
}

/**
 * Device verifiers by public JWK text, the most recently used kept: a device checks in every few
 * hours and its key is parsed once instead of at every check. Bounded, so a million devices
 * cost a fixed amount of memory.
 */
export class VerifierCache {
  readonly #entries: LruCache<string, Es256Verifier>

  constructor(limit = 10_000) {
    this.#entries = new LruCache(limit)
  }

  /** The verifier for `jwkText` (a stored device key); throws as `nodeVerifier` does. */
  get(jwkText: string, parse: (text: string) => PublicJwk): Es256Verifier {
    return this.#entries.getOrCreate(jwkText, (text) => nodeVerifier(parse(text)))
  }
}
