import {
  LeewayError,
  createKeyRing,
  exportKey,
  generateEcKeyPair,
  importKey,
  signCertificate,
  signGrant,
  thumbprint,
  toPublicJwk,
} from '../../../src/core/index.ts'
import type { CryptoKey, JWK } from 'jose'
import type { GrantClaims, KeyRing, PublicJwk } from '../../../src/core/index.ts'
import { demoGrant } from '../support/demo.ts'

/** The verifier's clock in these suites: a fixed instant, never the system clock. */
export const NOW_S = 1_750_000_000
export const NOW = NOW_S * 1000
export const DAY_S = 86_400

export interface Key {
  privateJwk: JWK
  publicJwk: PublicJwk
  privateKey: CryptoKey
  publicKey: CryptoKey
  /** RFC 7638 thumbprint: the `kid` of a signing key, the `cnf.jkt` of a device key. */
  kid: string
}

/**
 * A new P-256 key pair from the current `globalThis.crypto`, exported as JWK and imported again:
 * keys only ever cross between WebCrypto implementations as JWK.
 */
export async function newKey(): Promise<Key> {
  const pair = await generateEcKeyPair(true)
  const privateJwk = await exportKey(pair.privateKey)
  const publicJwk = toPublicJwk(await exportKey(pair.publicKey))
  return keyFromJwk(privateJwk, publicJwk)
}

/** Imports a key exported by `newKey`, possibly under another WebCrypto implementation. */
export async function keyFromJwk(privateJwk: JWK, publicJwk: PublicJwk): Promise<Key> {
  return {
    privateJwk,
    publicJwk,
    privateKey: await importKey(privateJwk),
    publicKey: await importKey(publicJwk),
    kid: await thumbprint(publicJwk),
  }
}

/** A certificate by `root` for `subject`, valid from a day before `NOW_S` for a year unless told. */
export async function certify(
  root: Key,
  subject: Key,
  window: { nbf?: number; exp?: number } = {},
): Promise<string> {
  return signCertificate(
    {
      kid: subject.kid,
      jwk: subject.publicJwk,
      nbf: window.nbf ?? NOW_S - DAY_S,
      exp: window.exp ?? NOW_S + 365 * DAY_S,
      use: 'grant',
    },
    root.privateKey,
  )
}

export interface TrustChain {
  root: Key
  signer: Key
  device: Key
  cert: string
  ring: KeyRing
}

/** A pinned root, one certified signing key, a device key and the key ring a device would build. */
export async function createTrustChain(): Promise<TrustChain> {
  const [root, signer, device] = await Promise.all([newKey(), newKey(), newKey()])
  const cert = await certify(root, signer)
  const ring = await createKeyRing(root.publicJwk, [cert])
  return { root, signer, device, cert, ring }
}

/** Grant claims bound to the chain's device, issued at `NOW_S`. */
export function claimsFor(chain: TrustChain, overrides: Partial<GrantClaims> = {}): GrantClaims {
  return demoGrant({ iat: NOW_S, dev: 'dev_a', cnf: { jkt: chain.device.kid }, ...overrides })
}

/** A grant signed by the chain's signing key. */
export async function grantFor(
  chain: TrustChain,
  overrides: Partial<GrantClaims> = {},
): Promise<string> {
  return signGrant(claimsFor(chain, overrides), chain.signer.privateKey, chain.signer.kid)
}

/**
 * `'verified'` when `run` resolves, else the `code` of the LeewayError it rejects with; any other
 * error comes back as text that equals no code, so a test expecting a code fails on it.
 */
export async function outcomeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
  } catch (error) {
    return error instanceof LeewayError ? error.code : `not a LeewayError: ${String(error)}`
  }
  return 'verified'
}
