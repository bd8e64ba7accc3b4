import { CompactSign, base64url, compactVerify, decodeProtectedHeader } from 'jose'
import type { CryptoKey, JWK, ProtectedHeaderParameters } from 'jose'
import {
  AlgNotAllowed,
  LeewayError,
  SignatureInvalid,
  TokenMalformed,
  TypMismatch,
} from './errors.ts'

/** The only signature algorithm Leeway accepts anywhere. */
export const ALG = 'ES256'

// The signature may be empty so that an unsecured token (`alg: "none"`, which has none) is read far
// enough to be rejected as alg_not_allowed rather than token_malformed.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
// Far above any real grant (a few KiB); stops a hostile token from costing memory before it is read.
const MAX_TOKEN_LENGTH = 16_384

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** An ES256 signature is r ‖ s, 32 bytes each (RFC 7518 §3.4). */
const ES256_SIGNATURE_BYTES = 64

/**
 * A private key that makes ES256 signatures itself, over the JWS signing input, as r ‖ s. The
 * server passes `node:crypto` keys, which on Node sign several times faster than WebCrypto through
 * jose; browsers and the worker pass WebCrypto `CryptoKey`s, and jose signs.
 */
export interface Es256Signer {
  readonly es256: 'signer'
  sign(signingInput: Uint8Array): Promise<Uint8Array>
}

/** A public key that checks ES256 signatures (r ‖ s) itself; see `Es256Signer`. */
export interface Es256Verifier {
  readonly es256: 'verifier'
  verify(signingInput: Uint8Array, signature: Uint8Array): Promise<boolean>
}

function isEs256Signer(key: unknown): key is Es256Signer {
  return (key as Partial<Es256Signer>).es256 === 'signer'
}

function isEs256Verifier(key: unknown): key is Es256Verifier {
  return (key as Partial<Es256Verifier>).es256 === 'verifier'
}

/** Signs `payload` as a compact JWS with ES256 and the given header fields. */
export async function signCompact(
  payload: object,
  key: CryptoKey | Es256Signer,
  header: { typ: string; kid?: string },
): Promise<string> {
  const bytes = encoder.encode(JSON.stringify(payload))
  if (!isEs256Signer(key))
    return new CompactSign(bytes).setProtectedHeader({ ...header, alg: ALG }).sign(key)
  const signingInput = `${base64url.encode(JSON.stringify({ ...header, alg: ALG }))}.${base64url.encode(bytes)}`
  const signature = await key.sign(encoder.encode(signingInput))
  return `${signingInput}.${base64url.encode(signature)}`
}

/**
 * Reads and checks the protected header of a compact JWS without verifying it: shape, `alg` and
 * `typ` are rejected here, before any claim is read.
 */
export function readHeader(token: unknown, typ: string): ProtectedHeaderParameters {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw new TokenMalformed()
  }
  let header: ProtectedHeaderParameters
  try {
    header = decodeProtectedHeader(token)
  } catch {
    throw new TokenMalformed('token header is not base64url-encoded JSON')
  }
  if (header.alg !== ALG) throw new AlgNotAllowed(header.alg)
  if (header.typ !== typ) throw new TypMismatch(typ, header.typ)
  if (header.crit !== undefined)
    throw new TokenMalformed('crit header parameters are not supported')
  return header
}

/** Verifies the signature of a compact JWS whose header `readHeader` accepted; returns the parsed JSON payload. */
export async function verifyCompact(
  token: string,
  key: CryptoKey | JWK | Es256Verifier,
  what: string,
): Promise<Record<string, unknown>> {
  let payload: Uint8Array
  try {
    payload = isEs256Verifier(key)
      ? await verifyWith(key, token)
      : (await compactVerify(token, key, { algorithms: [ALG] })).payload
  } catch (error) {
    if (error instanceof LeewayError) throw error
    throw new SignatureInvalid(what)
  }
  return parseJsonObject(payload, what)
}

/** What jose's compactVerify does for ES256 once the header passed `readHeader`; throws if bad. */
async function verifyWith(key: Es256Verifier, token: string): Promise<Uint8Array> {
  const parts = token.split('.')
  const [header, payload, signature] = parts
  if (parts.length !== 3 || header === undefined || payload === undefined || !signature)
    throw new TypeError('not a compact JWS')
  const signatureBytes = base64url.decode(signature)
  if (signatureBytes.length !== ES256_SIGNATURE_BYTES) throw new TypeError('not an ES256 signature')
  if (!(await key.verify(encoder.encode(`${header}.${payload}`), signatureBytes)))
    throw new TypeError('signature does not verify')
  return base64url.decode(payload)
}

/** Decodes the payload of a compact JWS without verifying it; for display and diagnostics only. */
export function peekPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1]
  if (part === undefined) throw new TokenMalformed()
  try {
    return parseJsonObject(base64url.decode(part), 'token')
  } catch {
    throw new TokenMalformed('token payload is not base64url-encoded JSON')
  }
}

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw new TokenMalformed(`${what} payload is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenMalformed(`${what} payload is not a JSON object`)
  }
  return value as Record<string, unknown>
}
