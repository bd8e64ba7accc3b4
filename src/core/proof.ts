import { base64url } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { API_PATHS } from './api.ts'
import { LeewayError, ProofInvalid } from './errors.ts'
import { readHeader, signCompact, verifyCompact } from './jws.ts'
import type { Es256Verifier } from './jws.ts'

export const PROOF_TYP = 'leeway-proof+jwt'
/** How far a proof's `ts` may be from the verifier's clock, either way. */
export const PROOF_MAX_SKEW_SECONDS = 300

/**
 * The request a proof is for, as DPoP (RFC 9449) binds its proofs: `htm` the HTTP method, `htu`
 * the path of the endpoint (no origin, no query: a server behind a proxy does not reliably know
 * the origin it is reached by, and a proxy may put the API under a prefix of its own).
 */
export interface ProofEndpoint {
  htm: string
  htu: string
}

export interface ProofClaims {
  jti: string
  ts: number
  /** Present together, on every proof the worker signs since #11; absent on older workers' proofs. */
  htm?: string
  htu?: string
}

/** The endpoints through which a device holds its seat: no page may have a proof made for them. */
export const DEVICE_ENDPOINTS: readonly ProofEndpoint[] = [
  { htm: 'POST', htu: API_PATHS.activate },
  { htm: 'POST', htu: API_PATHS.validate },
  { htm: 'POST', htu: API_PATHS.deactivate },
  { htm: 'POST', htu: API_PATHS.offlineActivate },
  { htm: 'POST', htu: API_PATHS.lease },
  { htm: 'POST', htu: API_PATHS.leaseBorrow },
  { htm: 'POST', htu: API_PATHS.leaseRelease },
]

/**
 * Whether a proof's `htu` names the endpoint at `path`: the same path, or one under a prefix (the
 * worker signs the path it calls, which a proxy may serve under a prefix the server never sees).
 */
export function endpointMatches(htu: string, path: string): boolean {
  return htu === path || (path.startsWith('/') && htu.endsWith(path))
}

/** Signs a proof of possession of the device key for the grant `jti`, at `ts` (seconds). */
export async function signProof(claims: ProofClaims, deviceKey: CryptoKey): Promise<string> {
  return signCompact(claims, deviceKey, { typ: PROOF_TYP })
}

/**
 * Verifies a proof: signed by `devicePublicKey`, for the grant `jti`, fresh, and for `endpoint`
 * when it names one. A proof bound to an endpoint verifies only where that endpoint is named; an
 * unbound one (older workers sign those) only where no endpoint is named, or `acceptUnbound` says
 * so. Every failure is `proof_invalid`, so a caller cannot learn which part of a forged proof was
 * wrong.
 */
export async function verifyProof(
  token: unknown,
  devicePublicKey: CryptoKey | JWK | Es256Verifier,
  options: { jti: string; now: number; endpoint?: ProofEndpoint; acceptUnbound?: boolean },
): Promise<ProofClaims> {
  try {
    readHeader(token, PROOF_TYP)
    const { jti, ts, htm, htu } = await verifyCompact(token as string, devicePublicKey, 'proof')
    if (jti !== options.jti) throw new ProofInvalid('proof is for another grant')
    if (!Number.isSafeInteger(ts))
      throw new ProofInvalid('proof ts is not a whole number of seconds')
    const skew = Math.abs((ts as number) - Math.floor(options.now / 1000))
    if (skew > PROOF_MAX_SKEW_SECONDS)
      throw new ProofInvalid('proof ts is more than 5 minutes from server time')
    const claims: ProofClaims = { jti, ts: ts as number }
    if (htm === undefined && htu === undefined) {
      if (options.endpoint && options.acceptUnbound !== true)
        throw new ProofInvalid('proof is bound to no endpoint')
      return claims
    }
    if (typeof htm !== 'string' || typeof htu !== 'string')
      throw new ProofInvalid('proof htm and htu must both be strings')
    const { endpoint } = options
    if (!endpoint || htm !== endpoint.htm || !endpointMatches(htu, endpoint.htu))
      throw new ProofInvalid('proof is for another endpoint')
    return { ...claims, htm, htu }
  } catch (error) {
    if (error instanceof ProofInvalid) throw error
    throw new ProofInvalid(
      `proof rejected: ${error instanceof LeewayError ? error.code : 'invalid'}`,
    )
  }
}

/**
 * What a verifier remembers a verified proof by, to refuse it a second time: its signed text and
 * the `r` half of its signature, re-encoded. The token text will not do: one signed proof verifies
 * under 31 other spellings, ECDSA's twin (r, n − s) and, for each, the 15 other last characters
 * whose unused bits base64url decoders ignore. For one message and key, r fixes the signature up
 * to that twin, and a device that signs the same claims again draws a new r, so honest proofs
 * never collide. Returns anything that is not a compact JWS as is.
 */
export function proofReplayKey(token: string): string {
  const [header, payload, signature, ...rest] = token.split('.')
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0)
    return token
  let r: Uint8Array
  try {
    r = base64url.decode(signature).subarray(0, 32)
  } catch {
    return token
  }
  return `${header}.${payload}.${base64url.encode(r)}`
}

/** SHA-256 of some bytes; the runtime's WebCrypto unless a faster one is at hand (the server's). */
export type Sha256 = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>

const webCryptoSha256: Sha256 = async (data) =>
  // TextEncoder's bytes never sit on a SharedArrayBuffer, whatever the type says.
  new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))

/**
 * The `nonce` a server puts in the grant it issues for a check, so the device can tell a fresh
 * answer to its own request from an old one replayed: base64url of SHA-256 of the proof, cut to
 * 128 bits.
 */
export async function proofNonce(proof: string, sha256: Sha256 = webCryptoSha256): Promise<string> {
  const digest = await sha256(new TextEncoder().encode(proof))
  return base64url.encode(digest.slice(0, 16))
}
