import { createHash } from 'node:crypto'
import * as v from 'valibot'
import {
  API_PATHS,
  encodeLicenseFile,
  entitledFeatures,
  importKey,
  parseDuration,
  proofNonce,
  proofReplayKey,
  thumbprint,
  toPublicJwk,
  verifyRequestCode,
  LeewayError,
} from '../../src/core/index.ts'
import type {
  CheckResult,
  DeviceDescription,
  GrantClaims,
  GrantResponse,
  HolderCheck,
  OfflineActivateResponse,
  ProofEndpoint,
  PublicJwk,
} from '../../src/core/index.ts'
import { identifier } from '../http/schemas.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { DeviceRow, LicenseRow, Store } from '../storage/Store.ts'
import type { GrantIssuer } from './GrantIssuer.ts'
import { HolderVerifier, deviceUnknown, proofReplayed } from './HolderVerifier.ts'
import type { ProofBinding, VerifiedHolder } from './HolderVerifier.ts'
import { hashLicenseKey, normalizeLicenseKey } from './licenseKeys.ts'
import type { ManifestService } from './ManifestService.ts'
import { mapInPool } from './mapInPool.ts'
import type { RateLimiter } from './RateLimiter.ts'
import { Refusal } from './Refusal.ts'
import { standingOf, standingRefusal } from './standing.ts'

// Checks of one validate call worked on at once: their cryptography shares the thread pool and
// their check-ins share commits.
const BATCH_CONCURRENCY = 8

/**
 * A check may still come with an unbound proof from a worker not yet updated: at most it renews a
 * grant bound to the same device key. Freeing the seat, or anything else, needs a bound proof.
 */
export const VALIDATE_PROOF: ProofBinding = {
  endpoint: { htm: 'POST', htu: API_PATHS.validate },
  acceptUnbound: true,
}
export const DEACTIVATE_PROOF: ProofBinding = {
  endpoint: { htm: 'POST', htu: API_PATHS.deactivate },
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

interface ValidateOptions {
  /**
   * Hears of each check whose grant and proof verified and whose device checked in (its claims as
   * sent): telemetry is accepted only from a device that proved its license and holds its seat.
   */
  onCheckedIn?: ((claims: GrantClaims) => void) | undefined
  /** The caller has gone: nothing more is verified, used up or written. */
  signal?: AbortSignal | undefined
}

/** The device-facing operations: activate, validate, deactivate and air-gapped activation. */
export class LicenseService {
  readonly #deps: LicenseServiceDeps
  readonly #holders: HolderVerifier

  constructor(deps: LicenseServiceDeps) {
    this.#deps = deps
    this.#holders = new HolderVerifier(deps.store, deps.keys, deps.now)
  }

  /**
   * Online activation: checks the key and the license, takes a seat, returns a grant. A `nonce`
   * from the device comes back in the grant, binding the answer to this request.
   */
  async activate(
    licenseKey: string,
    device: DeviceDescription,
    nonce?: string,
  ): Promise<GrantResponse> {
    await assertUsableDeviceKey(device.publicKey)
    const license = await this.#licenseForKey(licenseKey)
    const now = this.#deps.now()
    const jkt = await thumbprint(device.publicKey)
    const grant = await this.#bind(license, { ...device, jkt }, now, nonce)
    return this.#respond(grant, now)
  }

  /** Air-gapped activation: the device's signed request code in, a license file (JSON text) out. */
  async activateOffline(licenseKey: string, requestCode: string): Promise<OfflineActivateResponse> {
    const now = this.#deps.now()
    const request = await verifyRequestCode(requestCode, { now }).catch((error: unknown) => {
      if (error instanceof LeewayError)
        throw new Refusal('proof_invalid', `${error.code}: ${error.message}`)
      throw error
    })
    // The same rule as online activation: a device id ends up in grants, admin URLs and logs.
    if (!v.is(identifier, request.dev))
      throw new Refusal(
        'bad_request',
        'requestCode: the device id must be 1 to 128 letters, digits, ".", "_", ":" or "-"',
      )
    const license = await this.#licenseForKey(licenseKey)
    const device = {
      id: request.dev,
      // Self-signed display text: without U+0000, which PostgreSQL text cannot hold.
      name: request.name.replaceAll('\u0000', '') || 'Offline device',
      platform: request.platform.replaceAll('\u0000', ''),
      publicKey: request.jwk,
      jkt: request.jkt,
    }
    const grant = await this.#bind(license, device, now)
    return { licenseFile: encodeLicenseFile(await this.#respond(grant, now)) }
  }

  /** One re-verification per check, in the order sent; each a fresh grant or a refusal, never both. */
  async validate(
    checks: readonly HolderCheck[],
    options: ValidateOptions = {},
  ): Promise<{ results: CheckResult[]; certs: string[]; serverTime: number }> {
    const keyed = checks.map((check) => ({ check, proofKey: proofReplayKey(check.proof) }))
    const results = await mapInPool(
      keyed,
      { concurrency: BATCH_CONCURRENCY, keyOf: (item) => item.proofKey, signal: options.signal },
      ({ check, proofKey }) => this.#validateOne(check, proofKey, options),
    )
    const serverTime = this.#deps.now()
    return {
      results: results.filter((result) => result !== undefined),
      certs: await this.#deps.keys.certificates(serverTime),
      serverTime,
    }
  }

  /** One check of `validate`; nothing if the caller has gone. Faults of the server throw. */
  async #validateOne(
    check: HolderCheck,
    proofKey: string,
    options: ValidateOptions,
  ): Promise<CheckResult | undefined> {
    const verified = await this.#holders.verify(check, VALIDATE_PROOF, proofKey)
    if (verified instanceof Refusal) return refused(verified)
    const { license, device, claims, now, proof } = verified
    // A device that gave up while its request waited to be read (a storm fills the kernel's
    // accept queue) is seen gone only now: its proof stays unused, nothing is written or signed.
    if (options.signal?.aborted) return undefined
    // After verification, so forged checks cannot spend a device's budget; before the commit and
    // the signature, which are what a loop of check-ins would cost.
    const allowed = await this.#deps.checkInsPerDevice.take(`${license.id}:${device.device_id}`)
    if (!allowed.ok) {
      const { retryAfterSeconds } = allowed
      return refused(
        new Refusal(
          'rate_limited',
          `this device checks in too often; try again in ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        ),
      )
    }
    const checkIn = await this.#deps.store.checkInDevice(license.id, device.device_id, now, proof)
    if (!checkIn.ok)
      return refused(checkIn.reason === 'proof_replayed' ? proofReplayed() : deviceUnknown())
    // A released or removed device still checks in, to learn so; it no longer counts as one.
    if (checkIn.device.state === 'active') options.onCheckedIn?.(claims)
    // The device accepts this grant's time as the server's only if it carries its proof's digest.
    const nonce = await proofNonce(check.proof, sha256)
    const { grant } = await this.#deps.issuer.issue(license, checkIn.device, now, { nonce })
    return { ok: true, grant }
  }

  /** Frees this device's seat at the user's request; answers with a signed revocation for it. */
  async deactivate(check: HolderCheck): Promise<GrantResponse> {
    const { license, device, now } = await this.#holders.verifyAndConsume(check, DEACTIVATE_PROOF)
    const released = await this.#deps.store.releaseDevice(
      license.id,
      device.device_id,
      'released',
      now,
    )
    if (!released) throw deviceUnknown()
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
    check: HolderCheck,
    feature: string,
    endpoint: ProofEndpoint,
  ): Promise<{ license: LicenseRow; device: DeviceRow; now: number }> {
    const { license, device, claims, now } = await this.verifyHolder(check, endpoint)
    if (device.state !== 'active')
      throw new Refusal('device_unknown', 'this device is no longer activated for the license')
    const standing = standingOf(license, now)
    if (standing !== 'good') throw standingRefusal(standing)
    const { product } = await this.#deps.manifests.product(license.product)
    if (
      !claims.features.includes(feature) ||
      !entitledFeatures(product, license.plan).includes(feature)
    ) {
      throw new Refusal(
        'feature_not_entitled',
        `the ${license.plan} plan does not include ${feature}`,
      )
    }
    return { license, device, now }
  }

  /**
   * Verifies a grant we signed and its device's proof of possession, made for `endpoint` (the
   * request being answered); the proof is used up.
   */
  verifyHolder(
    check: HolderCheck,
    endpoint: ProofEndpoint,
  ): Promise<Omit<VerifiedHolder, 'proof'>> {
    return this.#holders.verifyAndConsume(check, { endpoint })
  }

  async #licenseForKey(licenseKey: string): Promise<LicenseRow> {
    const normalized = normalizeLicenseKey(licenseKey)
    const license = normalized
      ? await this.#deps.store.findLicenseByKeyHash(
          hashLicenseKey(normalized, this.#deps.keyHashSecret),
        )
      : undefined
    if (!license)
      throw new Refusal('license_key_invalid', 'no license has this key; check it for typos')
    const decision = await this.#deps.activationsPerLicense.take(license.id)
    if (!decision.ok) {
      const { retryAfterSeconds } = decision
      throw new Refusal('rate_limited', 'too many activations of this license; try again later', {
        retryAfterSeconds,
      })
    }
    const standing = standingOf(license, this.#deps.now())
    if (standing !== 'good') throw standingRefusal(standing)
    return license
  }

  async #bind(
    license: LicenseRow,
    device: DeviceDescription & { jkt: string },
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
        throw new Refusal(
          'seat_limit_reached',
          `all ${license.seats} seats of this license are in use; deactivate another device to free one`,
          { seats: license.seats },
        )
      }
      if (outcome.reason === 'device_key_conflict') {
        throw new Refusal(
          'conflict',
          'this device id is already activated with another key; deactivate it on that device or ask the vendor to remove it',
          { reason: 'device_key_conflict' },
        )
      }
      throw new Refusal('license_key_invalid', 'no license has this key')
    }
    const options = nonce === undefined ? {} : { nonce }
    return (await this.#deps.issuer.issue(outcome.license, outcome.device, now, options)).grant
  }

  async #respond(grant: string, now: number): Promise<GrantResponse> {
    return { grant, certs: await this.#deps.keys.certificates(now), serverTime: now }
  }
}

function refused(refusal: Refusal): CheckResult {
  return { ok: false, error: refusal.toJSON().error }
}

/** node:crypto's SHA-256: in line, where WebCrypto's digest is a job on the thread pool. */
function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest()
}

/**
 * Refuses a device key that is not a point on P-256: it could never verify a proof, so it would
 * hold a seat that no check can use (the request schema checks only the JWK's shape).
 */
async function assertUsableDeviceKey(jwk: PublicJwk): Promise<void> {
  try {
    await importKey(toPublicJwk(jwk))
  } catch {
    throw new Refusal('bad_request', 'device.publicKey: not a point on the P-256 curve')
  }
}
