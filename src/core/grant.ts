import type { CryptoKey } from 'jose'
import * as v from 'valibot'
import { isNumericDate } from './certificate.ts'
import { isSupportUrl } from './supportUrl.ts'
import { CertNotValid, ClaimsInvalid, TokenMalformed } from './errors.ts'
import { readHeader, signCompact, verifyCompact } from './jws.ts'
import type { Es256Signer } from './jws.ts'
import { assertCertificateCovers } from './keyRing.ts'
import type { KeyRing } from './keyRing.ts'

export const GRANT_TYP = 'leeway-grant+jwt'

export const OFFLINE_CLASSES = ['always', 'window', 'online'] as const
export type OfflineClass = (typeof OFFLINE_CLASSES)[number]

export const GRANT_STATUSES = ['active', 'suspended', 'revoked'] as const
export type GrantStatus = (typeof GRANT_STATUSES)[number]

const name = v.pipe(v.string(), v.minLength(1), v.maxLength(256))
const seconds = v.pipe(v.number(), v.safeInteger(), v.minValue(0))
const numericDate = v.custom<number>(isNumericDate, 'must be a NumericDate in seconds')

export const LEASE_KINDS = ['lease', 'borrow'] as const
export type LeaseKind = (typeof LEASE_KINDS)[number]

const FloatingSchema = v.object({
  max: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  lease: v.pipe(seconds, v.minValue(1)),
  borrow: v.optional(v.pipe(seconds, v.minValue(1))),
  end: v.optional(numericDate),
})

const GrantPolicySchema = v.object({
  v: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  recheck: v.nullable(v.pipe(seconds, v.minValue(1))),
  grace: seconds,
  features: v.record(name, v.picklist(OFFLINE_CLASSES)),
  critical: v.pipe(v.array(name), v.maxLength(256)),
  keepCritical: seconds,
  /** The vendor's support page, from the manifest's `supportUrl`; absent when it has none. */
  support: v.optional(v.pipe(v.string(), v.maxLength(2048), v.check(isSupportUrl))),
})

const GrantClaimsSchema = v.object({
  iss: name,
  aud: name,
  sub: name,
  jti: name,
  seq: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  iat: numericDate,
  exp: v.optional(numericDate),
  status: v.picklist(GRANT_STATUSES),
  plan: name,
  features: v.pipe(v.array(name), v.maxLength(256)),
  pol: GrantPolicySchema,
  dev: name,
  cnf: v.object({ jkt: name }),
  rsn: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** Binds an answer to its request: a digest of the proof, or the activation's own nonce. */
  nonce: v.optional(v.pipe(v.string(), v.maxLength(128))),
  /** When a revocation took effect: the start of `keepCritical`, however often it is re-issued. */
  rvk: v.optional(numericDate),
  /** A floating license's lease (#15): `exp` is the lease's end; `borrow` is held for offline use. */
  lse: v.optional(v.picklist(LEASE_KINDS)),
  /**
   * On every grant of a floating license (#15), held or not: its slots, lease length and longest
   * borrow (seconds), and the term's end, since `exp` is the lease's. Absent: node-locked.
   */
  flt: v.optional(FloatingSchema),
})

/** A floating license's settings as its grants carry them (`flt`). */
export type FloatingClaim = v.InferOutput<typeof FloatingSchema>
/** The signed policy a grant carries; all durations in seconds, `recheck: null` means never. */
export type GrantPolicy = v.InferOutput<typeof GrantPolicySchema>
/** The claims of every grant (each documented below); `rsn` says why a revocation was issued. */
export type GrantClaims = v.InferOutput<typeof GrantClaimsSchema>

/** What a verified grant must be bound to; a mismatch is `claims_invalid`. */
export interface GrantExpectation {
  aud?: string
  dev?: string
  sub?: string
  jkt?: string
}

/** Signs grant claims with a signing key whose certificate has `kid`. */
export async function signGrant(
  claims: GrantClaims,
  key: CryptoKey | Es256Signer,
  kid: string,
): Promise<string> {
  return signCompact(claims, key, { typ: GRANT_TYP, kid })
}

/** Checks the shape of grant claims; returns them with unknown members dropped. */
export function parseGrantClaims(payload: unknown): GrantClaims {
  const result = v.safeParse(GrantClaimsSchema, payload)
  if (!result.success) throw new ClaimsInvalid(`grant claims: ${describeIssues(result.issues)}`)
  return result.output
}

/**
 * Verifies a grant: header (`alg`, `typ`, `kid`) first, then the signature by a key the root
 * certified, then the claims. A certificate of that key must cover the grant's `iat`, and must not
 * have expired by `now` (its `nbf` is not held against `now`: a device whose clock runs slow must
 * still accept a grant from a key rotated in a moment ago). Pass the later of the clock and
 * `lastSeen` as `now`, so that setting the clock back does not revive an expired certificate.
 */
export async function verifyGrant(
  token: unknown,
  ring: KeyRing,
  options: { now: number; expect?: GrantExpectation },
): Promise<GrantClaims> {
  const header = readHeader(token, GRANT_TYP)
  if (typeof header.kid !== 'string') throw new TokenMalformed('grant header has no kid')
  const { key } = ring.lookup(header.kid)
  const claims = parseGrantClaims(await verifyCompact(token as string, key, 'grant'))
  const trusted = ring.lookup(header.kid, claims.iat)
  assertCertificateCovers(trusted.cert, claims.iat)
  const nowSeconds = Math.floor(options.now / 1000)
  if (nowSeconds >= trusted.cert.exp) {
    throw new CertNotValid(`certificate ${trusted.cert.kid} expired at ${trusted.cert.exp}`)
  }
  assertBinding(claims, options.expect)
  return claims
}

function assertBinding(claims: GrantClaims, expect: GrantExpectation | undefined): void {
  if (!expect) return
  const actual = { aud: claims.aud, dev: claims.dev, sub: claims.sub, jkt: claims.cnf.jkt }
  for (const key of ['aud', 'dev', 'sub', 'jkt'] as const) {
    const expected = expect[key]
    if (expected !== undefined && actual[key] !== expected) {
      throw new ClaimsInvalid(
        `grant ${key} does not match this ${key === 'aud' ? 'product' : 'device'}`,
      )
    }
  }
}

/** One line per schema issue, naming the path: `pol.grace: Invalid type`. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = v.getDotPath(issue)
      return path ? `${path}: ${issue.message}` : issue.message
    })
    .join('; ')
}
