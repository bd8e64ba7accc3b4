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

/** Signs `payload` as a compact JWS with ES256 and the given header fields. */
export async function signCompact(
  payload: object,
  key: CryptoKey,
  header: { typ: string; kid?: string },
): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ ...header, alg: ALG })
    .sign(key)
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
  key: CryptoKey | JWK,
  what: string,
): Promise<Record<string, unknown>> {
  let payload: Uint8Array
  try {
    ;({ payload } = await compactVerify(token, key, { algorithms: [ALG] }))
  } catch (error) {
    if (error instanceof LeewayError) throw error
    throw new SignatureInvalid(what)
  }
  return parseJsonObject(payload, what)
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
