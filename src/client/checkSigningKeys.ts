import { API_PATHS, assertCertificateCovers, createKeyRing } from '../core/index.ts'
import type { CertificateClaims, PublicJwk } from '../core/index.ts'

/** What the page learned about the server's signing keys; a failure is a value, never a throw. */
export type SigningKeysCheck =
  | {
      ok: true
      /** Certificates the pinned root signed that are valid at the server's time. */
      verified: number
      /** Certificates set aside: bad signature, malformed, or outside their validity window. */
      rejected: number
      /** Epoch milliseconds, as the server reported it. */
      serverTime: number
    }
  | { ok: false; message: string }

export interface CheckSigningKeysOptions {
  fetch?: typeof fetch
  timeoutMs?: number
}

/**
 * Fetches the server's signing-key certificates and verifies them against `root` in this page.
 * @example const check = await checkSigningKeys(pinnedRoot)
 */
export async function checkSigningKeys(
  root: PublicJwk,
  {
    fetch: fetchImpl = globalThis.fetch.bind(globalThis),
    timeoutMs = 10_000,
  }: CheckSigningKeysOptions = {},
): Promise<SigningKeysCheck> {
  // WebCrypto exists only in secure contexts; without it every certificate would look forged.
  if (!globalThis.crypto?.subtle) {
    return { ok: false, message: 'Signatures can only be checked over HTTPS (or on localhost).' }
  }
  let response: Response
  try {
    response = await fetchImpl(API_PATHS.keys, {
      headers: { accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError'
    return {
      ok: false,
      message: timedOut
        ? 'The license server did not answer in time.'
        : 'The license server cannot be reached.',
    }
  }
  if (!response.ok) {
    // A proxy or load balancer in front of a server that is down answers for it with these.
    const unreachable = [502, 503, 504].includes(response.status)
    return {
      ok: false,
      message: unreachable
        ? `The license server cannot be reached (HTTP ${response.status}).`
        : `The license server answered with HTTP ${response.status}.`,
    }
  }
  const body = await readKeyList(response)
  if (!body) {
    // Typically a captive portal or a proxy answering in the server's place.
    return { ok: false, message: 'The answer did not come from the license server.' }
  }
  const ring = await createKeyRing(root, body.certs)
  const at = Math.floor(body.serverTime / 1000)
  const verified = ring.certificates.filter((cert) => covers(cert, at)).length
  const rejected = ring.rejected.length + ring.certificates.length - verified
  return { ok: true, verified, rejected, serverTime: body.serverTime }
}

async function readKeyList(
  response: Response,
): Promise<{ certs: unknown[]; serverTime: number } | null> {
  try {
    const body: unknown = await response.json()
    if (typeof body !== 'object' || body === null) return null
    const { certs, serverTime } = body as Record<string, unknown>
    if (!Array.isArray(certs) || typeof serverTime !== 'number' || !Number.isFinite(serverTime)) {
      return null
    }
    return { certs, serverTime }
  } catch {
    return null
  }
}

// One definition of a certificate's window: the core's.
function covers(cert: CertificateClaims, atSeconds: number): boolean {
  try {
    assertCertificateCovers(cert, atSeconds)
    return true
  } catch {
    return false
  }
}
