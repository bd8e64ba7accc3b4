import { createHash } from 'node:crypto'
import * as v from 'valibot'
import {
  LeewayError,
  PROOF_MAX_SKEW_SECONDS,
  encodeLicenseFile,
  entitledFeatures,
  parseDuration,
  GRANT_TYP,
  readHeader,
  thumbprint,
  verifyGrant,
  importKey,
  proofNonce,
  proofReplayKey,
  toPublicJwk,
  verifyProof,
  verifyRequestCode,
} from '../../src/core/index.ts'
import type { Es256Verifier, GrantClaims, ProofEndpoint, PublicJwk } from '../../src/core/index.ts'
import { VerifierCache } from '../crypto/nodeEs256.ts'
import { ApiError } from '../http/ApiError.ts'
import { identifier } from '../http/schemas.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { DeviceRow, LicenseRow, Store, UsedProof } from '../storage/Store.ts'
import type { GrantIssuer } from './GrantIssuer.ts'
import { hashLicenseKey, normalizeLicenseKey } from './licenseKeys.ts'
import type { ManifestService } from './ManifestService.ts'
import type { RateLimiter } from './RateLimiter.ts'

export interface DeviceInfo {
  id: string
  name: string
  platform: string
  publicKey: PublicJwk
}

export interface GrantResponse {
  grant: string
  certs: string[]
  serverTime: number
}

/** A grant and its device's fresh proof of possession, as a device sends them. */
type Check = { grant: string; proof: string }

// Checks of one validate call worked on at once.
const BATCH_CONCURRENCY = 8

export type CheckResult =
  { ok: true; grant: string } | { ok: false; error: { code: string; message: string } }

/** What a proof is checked against, per endpoint (see `verifyProof`). */
export interface ProofBinding {
  endpoint: ProofEndpoint
  /** Unbound proofs, from workers installed before proofs named their endpoint. */
  acceptUnbound?: boolean
}

/**
 * A check may still come with an unbound proof from a worker not yet updated: at most it renews a
 * grant bound to the same device key. Freeing the seat, or anything else, needs a bound proof.
 */
export const VALIDATE_PROOF: ProofBinding = {
  endpoint: { htm: 'POST', htu: '/api/v1/validate' },
  acceptUnbound: true,
}
export const DEACTIVATE_PROOF: ProofBinding = {
  endpoint: { htm: 'POST', htu: '/api/v1/deactivate' },
}

export interface LicenseServiceDeps {
  store: Store
  keys: KeyService
  manifests: ManifestService
  issuer: GrantIssuer
  keyHashSecret: string
  now: () => number
  activationsPerLicense: RateLimiter
  /** Check-ins per license and device, taken after the check verified: nobody can spend another's. */
  checkInsPerDevice: RateLimiter
}

/** The device-facing operations: activate, validate, deactivate and air-gapped activation. */
export class LicenseService {
  readonly #deps: LicenseServiceDeps
  // Parsing a device key costs about as much as verifying its proof: keep the recent ones.
  readonly #deviceKeys: VerifierCache

  constructor(deps: LicenseServiceDeps) {
    this.#deps = deps
    this.#deviceKeys = new VerifierCache()
  }

  /**
   * Online activation: checks the key and the license, takes a seat, returns a grant. A `nonce`
   * from the device comes back in the grant, binding the answer to this request.
   */
  async activate(licenseKey: string, device: DeviceInfo, nonce?: string): Promise<GrantResponse> {
    await assertUsableDeviceKey(device.publicKey)
    const license = await this.#licenseForKey(licenseKey)
    const now = this.#deps.now()
    const grant = await this.#bind(
      license,
      { ...device, jkt: await thumbprint(device.publicKey) },
      now,
      nonce,
    )
    return this.#respond(grant, now)
  }

  /** Air-gapped activation: the device's signed request code in, a license file (JSON text) out. */
  async activateOffline(licenseKey: string, requestCode: string): Promise<{ licenseFile: string }> {
    const now = this.#deps.now()
    const request = await this.#verifyOr(
      () => verifyRequestCode(requestCode, { now }),
      'proof_invalid',
    )
    // The same rule as online activation: a device id ends up in grants, admin URLs and logs.
    if (!v.is(identifier, request.dev))
      throw new ApiError(
        'bad_request',
        'requestCode: the device id must be 1 to 128 letters, digits, ".", "_", ":" or "-"',
      )
    const license = await this.#licenseForKey(licenseKey)
    const grant = await this.#bind(
      license,
      {
        id: request.dev,
        // Self-signed display text: without U+0000, which PostgreSQL text cannot hold.
        name: request.name.replaceAll('\u0000', '') || 'Offline device',
        platform: request.platform.replaceAll('\u0000', ''),
        publicKey: request.jwk,
        jkt: request.jkt,
      },
      now,
    )
    return { licenseFile: encodeLicenseFile(await this.#respond(grant, now)) }
  }

  /**
   * One re-verification per check; each result is a fresh grant or an error, never both.
   * `onCheckedIn` hears of each check whose grant and proof verified and whose device checked in
   * (its claims as sent): telemetry is accepted only from a device that proved its license and
   * still holds its seat.
   */
  async validate(
    checks: readonly { grant: string; proof: string }[],
    options: { onCheckedIn?: (claims: GrantClaims) => void; signal?: AbortSignal } = {},
  ): Promise<{ results: CheckResult[]; certs: string[]; serverTime: number }> {
    // The checks of a batch run side by side, a few at a time: their cryptography shares the
    // thread pool and their check-ins share commits. Results keep the order of the checks.
    const results: (CheckResult | undefined)[] = new Array<undefined>(checks.length)
    // A proof sent twice in one batch is worked on in order, as if alone: the first use wins.
    const sameProofBefore = new Map<string, Promise<unknown>>()
    let next = 0
    let unexpected: { error: unknown } | undefined
    const worker = async () => {
      for (let index = next++; index < checks.length && !unexpected; index = next++) {
        // The caller has gone: nothing of the rest is verified, used up or written.
        if (options.signal?.aborted) return
        const check = checks[index] as Check
        const proofKey = proofReplayKey(check.proof)
        const before = sameProofBefore.get(proofKey)
        const current = (async () => {
          await before
          return this.#validateOne(check, proofKey, options)
        })()
        sameProofBefore.set(
          proofKey,
          current.catch(() => undefined),
        )
        try {
          results[index] = await current
        } catch (error) {
          unexpected ??= { error }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, checks.length) }, worker))
    if (unexpected) throw unexpected.error
    const serverTime = this.#deps.now()
    return {
      results: results.filter((result) => result !== undefined),
      certs: await this.#deps.keys.certificates(serverTime),
      serverTime,
    }
  }

  /**
   * One check of `validate`: a fresh grant, or the refusal as a result (other errors throw);
   * nothing if the caller has gone.
   */
  async #validateOne(
    check: Check,
    proofKey: string,
    options: { onCheckedIn?: ((claims: GrantClaims) => void) | undefined; signal?: AbortSignal },
  ): Promise<CheckResult | undefined> {
    try {
      const { license, device, claims, now, proof } = await this.#verifyCheck(
        check,
        VALIDATE_PROOF,
        proofKey,
      )
      // A device that gave up while its request waited to be read (a storm fills the kernel's
      // accept queue) is seen gone only now: its proof stays unused, nothing is written or signed.
      if (options.signal?.aborted) return undefined
      // After verification, so forged checks cannot spend a device's budget; before the commit and
      // the signature, which are what a loop of check-ins would cost.
      const allowed = await this.#deps.checkInsPerDevice.take(`${license.id}:${device.device_id}`)
      if (!allowed.ok)
        throw new ApiError(
          'rate_limited',
          `this device checks in too often; try again in ${allowed.retryAfterSeconds} s`,
        )
      const checkIn = await this.#deps.store.checkInDevice(license.id, device.device_id, now, proof)
      if (!checkIn.ok) throw refusal(checkIn.reason)
      // A released or removed device still checks in, to learn so; it no longer counts as one.
      if (checkIn.device.state === 'active') options.onCheckedIn?.(claims)
      // The device accepts this grant's time as the server's only if it carries its proof's digest.
      const nonce = await proofNonce(check.proof, sha256)
      const { grant } = await this.#deps.issuer.issue(license, checkIn.device, now, { nonce })
      return { ok: true, grant }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      return { ok: false, error: { code: error.code, message: error.message } }
    }
  }

  /** Frees this device's seat at the user's request; answers with a signed revocation for it. */
  async deactivate(check: { grant: string; proof: string }): Promise<GrantResponse> {
    const { license, device, now } = await this.#verifyAndConsume(check, DEACTIVATE_PROOF)
    const released = await this.#deps.store.releaseDevice(
      license.id,
      device.device_id,
      'released',
      now,
    )
    if (!released)
      throw new ApiError('device_unknown', 'this device is not activated for the license')
    const nonce = await proofNonce(check.proof, sha256)
    const { grant } = await this.#deps.issuer.issue(license, released, now, { nonce })
    return this.#respond(grant, now)
  }

  /**
   * Verifies a grant and proof for an online feature the server itself provides (the demo's
   * `share.link`): the grant must list `feature`, and the license must be in good standing now and
   * still entitle it under the current manifest. Consumes the proof, as every check does.
   */
  async authorizeFeature(
    check: { grant: string; proof: string },
    feature: string,
    endpoint: ProofEndpoint,
  ): Promise<{ license: LicenseRow; device: DeviceRow; now: number }> {
    const verified = await this.verifyHolder(check, endpoint)
    const { license, device, claims, now } = verified
    if (device.state !== 'active')
      throw new ApiError('device_unknown', 'this device is no longer activated for the license')
    if (license.status === 'revoked')
      throw new ApiError('license_revoked', 'this license has been revoked')
    if (license.status === 'suspended')
      throw new ApiError('license_suspended', 'this license is suspended')
    if (license.term_end !== null && license.term_end <= now)
      throw new ApiError('license_expired', 'this license has expired')
    const { product } = await this.#deps.manifests.product(license.product)
    if (
      !claims.features.includes(feature) ||
      !entitledFeatures(product, license.plan).includes(feature)
    ) {
      throw new ApiError('unauthorized', `the ${license.plan} plan does not include ${feature}`, {
        status: 403,
      })
    }
    return { license, device, now }
  }

  /**
   * Verifies a grant we signed and its device's proof of possession, made for `endpoint` (the
   * request being answered); the proof is used up.
   */
  async verifyHolder(
    check: { grant: string; proof: string },
    endpoint: ProofEndpoint,
  ): Promise<{ license: LicenseRow; device: DeviceRow; claims: GrantClaims; now: number }> {
    return this.#verifyAndConsume(check, { endpoint })
  }

  async #licenseForKey(licenseKey: string): Promise<LicenseRow> {
    const normalized = normalizeLicenseKey(licenseKey)
    const license = normalized
      ? await this.#deps.store.findLicenseByKeyHash(
          hashLicenseKey(normalized, this.#deps.keyHashSecret),
        )
      : undefined
    if (!license)
      throw new ApiError('license_key_invalid', 'no license has this key; check it for typos')
    const decision = await this.#deps.activationsPerLicense.take(license.id)
    if (!decision.ok) {
      throw new ApiError('rate_limited', 'too many activations of this license; try again later', {
        retryAfterSeconds: decision.retryAfterSeconds,
      })
    }
    if (license.status === 'revoked')
      throw new ApiError('license_revoked', 'this license has been revoked')
    if (license.status === 'suspended')
      throw new ApiError('license_suspended', 'this license is suspended')
    if (license.term_end !== null && license.term_end <= this.#deps.now()) {
      throw new ApiError(
        'license_expired',
        'this license has expired; renew it to activate devices',
      )
    }
    return license
  }

  async #bind(
    license: LicenseRow,
    device: DeviceInfo & { jkt: string },
    now: number,
    nonce?: string,
  ): Promise<string> {
    const { product } = await this.#deps.manifests.product(license.product)
    // Air-gapped devices never check in, so "not seen for a while" says nothing about them: their
    // seats are freed only by the vendor.
    const airGapped = license.recheck_every === 'never'
    const releaseAfter =
      product.seatReleaseAfter === null || airGapped
        ? null
        : parseDuration(product.seatReleaseAfter) * 1000
    const outcome = await this.#deps.store.activateDevice(
      license.id,
      {
        deviceId: device.id,
        name: device.name,
        platform: device.platform,
        // Only what defines the key: members such as key_ops or alg would stop it verifying proofs.
        publicJwk: JSON.stringify(toPublicJwk(device.publicKey)),
        jkt: device.jkt,
      },
      now,
      releaseAfter === null ? null : now - releaseAfter,
    )
    if (!outcome.ok) {
      if (outcome.reason === 'seat_limit_reached') {
        throw new ApiError(
          'seat_limit_reached',
          `all ${license.seats} seats of this license are in use; deactivate another device to free one`,
        )
      }
      if (outcome.reason === 'device_key_conflict') {
        throw new ApiError(
          'conflict',
          'this device id is already activated with another key; deactivate it on that device or ask the vendor to remove it',
        )
      }
      throw new ApiError('license_key_invalid', 'no license has this key')
    }
    const options = nonce === undefined ? {} : { nonce }
    return (await this.#deps.issuer.issue(outcome.license, outcome.device, now, options)).grant
  }

  /**
   * Verifies a grant we signed and the device's proof of possession; the caller must use the
   * proof up (remember it) before acting on it, which refuses replays.
   */
  async #verifyCheck(
    check: { grant: string; proof: string },
    binding: ProofBinding,
    proofKey: string = proofReplayKey(check.proof),
  ): Promise<{
    license: LicenseRow
    device: DeviceRow
    claims: GrantClaims
    now: number
    proof: UsedProof
  }> {
    const now = this.#deps.now()
    const kid = this.#kidOf(check.grant)
    if (kid !== undefined) await this.#deps.keys.knows(kid)
    const ring = await this.#deps.keys.ring()
    const claims: GrantClaims = await this.#verifyOr(
      () => verifyGrant(check.grant, ring, { now }),
      'grant_invalid',
    )
    const license = await this.#deps.store.findLicense(claims.sub)
    if (!license || license.product !== claims.aud)
      throw new ApiError('grant_invalid', 'the grant names no license of this server')
    const device = await this.#deps.store.findDevice(license.id, claims.dev)
    if (!device)
      throw new ApiError('device_unknown', 'this device is not activated for the license')
    if (device.jkt !== claims.cnf.jkt) {
      throw new ApiError(
        'grant_invalid',
        'this device was activated again with another key; use the newer grant',
      )
    }
    await this.#verifyOr(
      () =>
        verifyProof(check.proof, this.#deviceVerifier(device), {
          jti: claims.jti,
          now,
          ...binding,
        }),
      'proof_invalid',
    )
    // Keyed on what was signed, not on its spelling: see proofReplayKey.
    const proof: UsedProof = {
      hash: createHash('sha256').update(proofKey).digest('base64url'),
      expiresAt: now + 2 * PROOF_MAX_SKEW_SECONDS * 1000,
    }
    return { license, device, claims, now, proof }
  }

  /** `#verifyCheck`, then uses its proof up (a check-in does that in the same commit instead). */
  async #verifyAndConsume(
    check: { grant: string; proof: string },
    binding: ProofBinding,
  ): Promise<{ license: LicenseRow; device: DeviceRow; claims: GrantClaims; now: number }> {
    const { proof, ...verified } = await this.#verifyCheck(check, binding)
    if (!(await this.#deps.store.rememberProof(proof.hash, proof.expiresAt, verified.now)))
      throw refusal('proof_replayed')
    return verified
  }

  /** The stored device key, parsed once while it stays in use (it cannot be a bad key: see activate). */
  #deviceVerifier(device: DeviceRow): Es256Verifier {
    try {
      return this.#deviceKeys.get(device.public_jwk, (text) => JSON.parse(text) as PublicJwk)
    } catch {
      throw new ApiError('proof_invalid', 'the stored device key cannot verify proofs')
    }
  }

  #kidOf(token: string): string | undefined {
    try {
      const { kid } = readHeader(token, GRANT_TYP)
      return typeof kid === 'string' && kid.length <= 128 ? kid : undefined
    } catch {
      return undefined
    }
  }

  async #respond(grant: string, now: number): Promise<GrantResponse> {
    return { grant, certs: await this.#deps.keys.certificates(now), serverTime: now }
  }

  async #verifyOr<T>(
    verify: () => Promise<T>,
    code: 'grant_invalid' | 'proof_invalid',
  ): Promise<T> {
    try {
      return await verify()
    } catch (error) {
      if (error instanceof LeewayError) throw new ApiError(code, `${error.code}: ${error.message}`)
      throw error
    }
  }
}

/** node:crypto's SHA-256: in line, where WebCrypto's digest is a job on the thread pool. */
function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest()
}

function refusal(reason: 'proof_replayed' | 'device_unknown'): ApiError {
  return reason === 'proof_replayed'
    ? new ApiError('proof_invalid', 'this proof was already used; sign a new one')
    : new ApiError('device_unknown', 'this device is not activated for the license')
}

/**
 * Refuses a device key that is not a point on P-256: it could never verify a proof, so it would
 * hold a seat that no check can use (the request schema checks only the JWK's shape).
 */
async function assertUsableDeviceKey(jwk: PublicJwk): Promise<void> {
  try {
    await importKey(toPublicJwk(jwk))
  } catch {
    throw new ApiError('bad_request', 'device.publicKey: not a point on the P-256 curve')
  }
}
