import type { CryptoKey, JWK } from 'jose'
import { verifyCertificate } from './certificate.ts'
import type { CertificateClaims } from './certificate.ts'
import { CertNotValid, KidUnknown, LeewayError } from './errors.ts'
import { importKey } from './keys.ts'

export interface TrustedKey {
  readonly cert: CertificateClaims
  readonly key: CryptoKey
}

/** Certificates that the pinned root signed, by `kid`, with their keys imported once. */
export interface KeyRing {
  /** The certificate and key for `kid`; throws `kid_unknown` if the root certified no such key. */
  lookup(kid: unknown): TrustedKey
  /** Certificates that verified, in the order given. */
  readonly certificates: readonly CertificateClaims[]
  /** Certificates that did not verify, with the reason; they are ignored, never trusted. */
  readonly rejected: readonly { token: unknown; code: string }[]
}

/**
 * Builds a key ring from certificates, keeping only those the root signed. Bad certificates are
 * set aside rather than thrown, so one corrupt certificate never hides a good one beside it.
 */
export async function createKeyRing(root: CryptoKey | JWK, certs: readonly unknown[]): Promise<KeyRing> {
  const trusted = new Map<string, TrustedKey>()
  const rejected: { token: unknown; code: string }[] = []
  for (const token of certs) {
    try {
      const cert = await verifyCertificate(token, root)
      const existing = trusted.get(cert.kid)
      // Two certificates for one kid: keep the one valid longest, they certify the same key.
      if (existing && existing.cert.exp >= cert.exp) continue
      const key = await importKey(cert.jwk)
      trusted.set(cert.kid, { cert, key })
    } catch (error) {
      rejected.push({ token, code: error instanceof LeewayError ? error.code : 'cert_invalid' })
    }
  }
  return {
    lookup(kid) {
      const entry = typeof kid === 'string' ? trusted.get(kid) : undefined
      if (!entry) throw new KidUnknown(kid)
      return entry
    },
    certificates: [...trusted.values()].map((entry) => entry.cert),
    rejected,
  }
}

/** Throws `cert_not_valid` unless the certificate's window contains `atSeconds`. */
export function assertCertificateCovers(cert: CertificateClaims, atSeconds: number): void {
  if (atSeconds < cert.nbf || atSeconds >= cert.exp) {
    throw new CertNotValid(`certificate ${cert.kid} is not valid at ${atSeconds}`)
  }
}
