import type { CryptoKey, JWK } from 'jose'
import { verifyCertificate } from './certificate.ts'
import type { CertificateClaims } from './certificate.ts'
import { CertNotValid, KidUnknown, LeewayError } from './errors.ts'
import type { Es256Verifier } from './jws.ts'
import { importKey } from './keys.ts'
import type { PublicJwk } from './keys.ts'

export interface TrustedKey {
  readonly cert: CertificateClaims
  readonly key: CryptoKey | Es256Verifier
}

/** Makes the key that verifies grants of a certified public key; WebCrypto through jose by default. */
export type ImportVerifier = (jwk: PublicJwk) => Promise<CryptoKey | Es256Verifier>

/** Certificates that the pinned root signed, by `kid`, with their keys imported once. */
export interface KeyRing {
  /**
   * The certificate and key for `kid`: one whose window contains `atSeconds` if there is one, else
   * the longest-lived. Throws `kid_unknown` if the root certified no such key.
   */
  lookup(kid: unknown, atSeconds?: number): TrustedKey
  /** Certificates that verified, in the order given. */
  readonly certificates: readonly CertificateClaims[]
  /** Certificates that did not verify, with the reason; they are ignored, never trusted. */
  readonly rejected: readonly { token: unknown; code: string }[]
}

/**
 * Builds a key ring from certificates, keeping only those the root signed. Bad certificates are
 * set aside rather than thrown, so one corrupt certificate never hides a good one beside it.
 */
export async function createKeyRing(
  root: CryptoKey | JWK,
  certs: readonly unknown[],
  importVerifier: ImportVerifier = importKey,
): Promise<KeyRing> {
  // A key may be certified more than once (re-certified with a new window): keep every certificate,
  // so a grant is checked against the one that covers it.
  const trusted = new Map<string, TrustedKey[]>()
  const rejected: { token: unknown; code: string }[] = []
  for (const token of certs) {
    try {
      const cert = await verifyCertificate(token, root)
      const same = trusted.get(cert.kid) ?? []
      const key = same[0]?.key ?? (await importVerifier(cert.jwk))
      trusted.set(cert.kid, [...same, { cert, key }])
    } catch (error) {
      rejected.push({ token, code: error instanceof LeewayError ? error.code : 'cert_invalid' })
    }
  }
  return {
    lookup(kid, atSeconds) {
      const entries = typeof kid === 'string' ? trusted.get(kid) : undefined
      if (!entries) throw new KidUnknown(kid)
      if (atSeconds === undefined) return longestLived(entries)
      return entries.find((entry) => covers(entry.cert, atSeconds)) ?? longestLived(entries)
    },
    certificates: [...trusted.values()].flat().map((entry) => entry.cert),
    rejected,
  }
}

function longestLived(entries: readonly TrustedKey[]): TrustedKey {
  return entries.reduce((best, entry) => (entry.cert.exp > best.cert.exp ? entry : best))
}

function covers(cert: CertificateClaims, atSeconds: number): boolean {
  return atSeconds >= cert.nbf && atSeconds < cert.exp
}

/** Throws `cert_not_valid` unless the certificate's window contains `atSeconds`. */
export function assertCertificateCovers(cert: CertificateClaims, atSeconds: number): void {
  if (!covers(cert, atSeconds)) {
    throw new CertNotValid(`certificate ${cert.kid} is not valid at ${atSeconds}`)
  }
}
