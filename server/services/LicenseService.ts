import { createHash } from 'node:crypto'
import { API_PATHS, entitledFeatures, proofNonce, proofReplayKey } from '../../src/core/index.ts'
import type {
  CheckResult,
  GrantClaims,
  GrantResponse,
  HolderCheck,
  ProofEndpoint,
} from '../../src/core/index.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { DeviceRow, LicenseRow, Store } from '../storage/Store.ts'
import type { GrantIssuer } from './GrantIssuer.ts'
import { HolderVerifier, deviceUnknown, proofReplayed } from './HolderVerifier.ts'
import type { ProofBinding, VerifiedHolder } from './HolderVerifier.ts'
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
  now: () => number
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

/**
 * What a device with a grant does: re-check it (validate, many at once), free its seat, and use an
 * online feature the server provides. Activation, which makes the grant, is ActivationService.
 */
export class LicenseService {
  readonly #deps: LicenseServiceDeps
  readonly #holders: HolderVerifier

  constructor(deps: LicenseServiceDeps) {
    this.#deps = deps
    this.#holders = new HolderVerifier(deps.store, deps.keys, deps.now)
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
    // A re-check of a floating license reports the lease as it stands: it never takes or extends
    // one (that is POST /lease, under the license lock), so it can stay on the group-commit path.
    const lease =
      license.max_concurrent === null
        ? undefined
        : await this.#deps.store.findLease(license.id, device.device_id)
    const { grant } = await this.#deps.issuer.issue(license, checkIn.device, now, { nonce, lease })
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
    // On a floating license, being in use now is holding a slot now: a lapsed lease grant still
    // proves who the device is, but gives it no online feature.
    if (license.max_concurrent !== null) {
      const lease = await this.#deps.store.findLease(license.id, device.device_id)
      if (!lease || lease.ends_at <= now)
        throw new Refusal('conflict', 'this device holds no lease of the license; take one first', {
          reason: 'no_lease',
        })
    }
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
