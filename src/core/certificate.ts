import type { CryptoKey, JWK } from 'jose'
import { CertInvalid } from './errors.ts'
import { peekPayload, readHeader, signCompact, verifyCompact } from './jws.ts'
import { isPublicJwk } from './keys.ts'
import type { PublicJwk } from './keys.ts'

export const CERT_TYP = 'leeway-cert+jwt'

/** Claims of a signing-key certificate; times are NumericDate (seconds). */
export interface CertificateClaims {
  kid: string
  jwk: PublicJwk
  nbf: number
  exp: number
  use: 'grant'
}

/** Signs a certificate for a signing key with the root private key. */
export async function signCertificate(
  claims: CertificateClaims,
  rootPrivateKey: CryptoKey,
): Promise<string> {
  return signCompact(claims, rootPrivateKey, { typ: CERT_TYP })
}

/**
 * Verifies that the root signed this certificate and that its claims are well-formed. Its time
 * window is checked where it is used (`KeyRing`), against the time of the grant it vouches for.
 */
export async function verifyCertificate(
  token: unknown,
  root: CryptoKey | JWK,
): Promise<CertificateClaims> {
  readHeader(token, CERT_TYP)
  const claims = await verifyCompact(token as string, root, 'certificate')
  return parseCertificateClaims(claims)
}

/**
 * Reads a certificate's claims without checking who signed it: for diagnostics only (which root a
 * server holds), never to trust its key. Throws if it is not a well-formed certificate.
 */
export function peekCertificate(token: unknown): CertificateClaims {
  readHeader(token, CERT_TYP)
  return parseCertificateClaims(peekPayload(token as string))
}

function parseCertificateClaims(claims: Record<string, unknown>): CertificateClaims {
  const { kid, jwk, nbf, exp, use } = claims
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128)
    throw new CertInvalid('certificate kid is missing')
  if (!isPublicJwk(jwk)) throw new CertInvalid('certificate jwk is not a public P-256 key')
  if (!isNumericDate(nbf) || !isNumericDate(exp) || exp <= nbf) {
    throw new CertInvalid('certificate nbf and exp must be NumericDates with nbf < exp')
  }
  if (use !== 'grant') throw new CertInvalid('certificate use must be "grant"')
  return { kid, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, nbf, exp, use }
}

/** Whether `value` is a whole number of seconds in a plausible range (year 2000 to 3000). */
export function isNumericDate(value: unknown): value is number {
  return (
    Number.isSafeInteger(value) &&
    (value as number) >= 946_684_800 &&
    (value as number) < 32_503_680_000
  )
}
