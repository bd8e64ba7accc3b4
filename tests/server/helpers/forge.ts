import { CompactSign, base64url, decodeProtectedHeader } from 'jose'
import {
  GRANT_TYP,
  exportKey,
  generateEcKeyPair,
  signCertificate,
  signGrant,
  thumbprint,
  toPublicJwk,
} from '../../../src/core/index.ts'
import type { GrantClaims } from '../../../src/core/index.ts'

const encoder = new TextEncoder()
const encode = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)))

/** The `kid` in a token's protected header. */
export function kidOf(token: string): unknown {
  return decodeProtectedHeader(token).kid
}

/** An unsecured token (`alg: "none"`, empty signature) carrying real grant claims. */
export function unsecuredGrant(claims: GrantClaims, kid: unknown): string {
  return `${encode({ alg: 'none', typ: GRANT_TYP, kid })}.${encode(claims)}.`
}

/** A grant MACed with HS256 under a public value, the classic algorithm-confusion forgery. */
export async function hs256Grant(
  claims: GrantClaims,
  kid: unknown,
  secret: string,
): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'HS256', typ: GRANT_TYP, kid: String(kid) })
    .sign(encoder.encode(secret))
}

/** A real grant whose payload was edited after signing (the signature no longer covers it). */
export function tamperedGrant(grant: string, patch: Partial<GrantClaims>): string {
  const [header, payload, signature] = grant.split('.')
  if (header === undefined || payload === undefined || signature === undefined)
    throw new Error('not a compact JWS')
  const claims: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(payload)))
  return `${header}.${encode({ ...(claims as object), ...patch })}.${signature}`
}

/**
 * A grant signed by another server: its own root, its own certified signing key. With `kid`, the
 * forged grant claims to come from that key of ours instead.
 */
export async function foreignGrant(
  claims: GrantClaims,
  options: { kid?: string; now: number },
): Promise<{ grant: string; certs: string[] }> {
  const root = await generateEcKeyPair(false)
  const signing = await generateEcKeyPair(false)
  const jwk = toPublicJwk(await exportKey(signing.publicKey))
  const foreignKid = await thumbprint(jwk)
  const nowSeconds = Math.floor(options.now / 1000)
  const cert = await signCertificate(
    { kid: foreignKid, jwk, nbf: nowSeconds - 3600, exp: nowSeconds + 86_400 * 365, use: 'grant' },
    root.privateKey,
  )
  return {
    grant: await signGrant(claims, signing.privateKey, options.kid ?? foreignKid),
    certs: [cert],
  }
}
