import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { ALG } from './jws.ts'

/** A public P-256 key as JWK, the only key type Leeway uses. */
export interface PublicJwk {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
}

export interface KeyPair {
  publicKey: CryptoKey
  privateKey: CryptoKey
}

const P256_COORDINATE = /^[A-Za-z0-9_-]{43}$/

/** Whether `value` is a public P-256 JWK (and carries no private part). */
export function isPublicJwk(value: unknown): value is PublicJwk {
  if (typeof value !== 'object' || value === null) return false
  const jwk = value as Record<string, unknown>
  return (
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    P256_COORDINATE.test(jwk.x) &&
    typeof jwk.y === 'string' &&
    P256_COORDINATE.test(jwk.y) &&
    jwk.d === undefined
  )
}

/** Keeps only the members that define a public P-256 key. */
export function toPublicJwk(jwk: JWK): PublicJwk {
  const candidate = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
  if (!isPublicJwk(candidate)) throw new TypeError('not a P-256 public key')
  return candidate
}

/** Generates an ECDSA P-256 key pair; `extractable` only where the private key must be saved (server keys). */
export async function generateEcKeyPair(extractable: boolean): Promise<KeyPair> {
  return generateKeyPair(ALG, { extractable })
}

/** Exports a key as JWK (public, or private where the key is extractable). */
export async function exportKey(key: CryptoKey): Promise<JWK> {
  return exportJWK(key)
}

/** Imports a P-256 JWK for ES256, public or private. */
export async function importKey(jwk: JWK): Promise<CryptoKey> {
  const key = await importJWK(jwk, ALG)
  if (key instanceof Uint8Array) throw new TypeError('expected an asymmetric key')
  return key
}

/** The RFC 7638 SHA-256 thumbprint of a public key: the `cnf.jkt` of grants and the `kid` of keys. */
export async function thumbprint(jwk: PublicJwk | JWK): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256')
}
