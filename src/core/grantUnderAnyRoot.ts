import { peekCertificate } from './certificate.ts'
import { GRANT_TYP, parseGrantClaims } from './grant.ts'
import type { GrantClaims } from './grant.ts'
import { readHeader, verifyCompact } from './jws.ts'
import { importKey } from './keys.ts'

/**
 * The claims of a grant signed by the key of one of `certs`, whoever signed the certificates; null
 * if none of them vouches for its signature. For a grant that failed verification against the
 * pinned root (`kid_unknown`) only: it tells a license server that holds another root (a build
 * pinned to the wrong key) from a portal or a proxy, and is never a reason to trust the grant.
 */
export async function grantUnderAnyRoot(
  grant: unknown,
  certs: readonly unknown[],
): Promise<GrantClaims | null> {
  let kid: unknown
  try {
    kid = readHeader(grant, GRANT_TYP).kid
  } catch {
    return null
  }
  for (const token of certs) {
    try {
      const cert = peekCertificate(token)
      if (cert.kid !== kid) continue
      return parseGrantClaims(
        await verifyCompact(grant as string, await importKey(cert.jwk), 'grant'),
      )
    } catch {
      // Not a certificate, or not the key that signed the grant: the next one may be.
    }
  }
  return null
}
