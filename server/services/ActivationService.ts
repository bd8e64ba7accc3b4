import * as v from 'valibot'
import {
  encodeLicenseFile,
  importKey,
  parseDuration,
  thumbprint,
  toPublicJwk,
  verifyRequestCode,
} from '../../src/core/index.ts'
import type {
  DeviceDescription,
  GrantResponse,
  OfflineActivateResponse,
  PublicJwk,
} from '../../src/core/index.ts'
import { identifier } from '../http/schemas.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { LicenseRow, Store } from '../storage/Store.ts'
import type { GrantIssuer } from './GrantIssuer.ts'
import { leaseEvent } from './leaseEvent.ts'
import type { LeaseEvent } from './leaseEvent.ts'
import { leaseRefusal } from './LeaseService.ts'
import { hashLicenseKey, normalizeLicenseKey } from './licenseKeys.ts'
import type { ManifestService } from './ManifestService.ts'
import type { RateLimiter } from './RateLimiter.ts'
import { Refusal, refusedAs } from './Refusal.ts'
import { standingOf, standingRefusal } from './standing.ts'

export interface ActivationServiceDeps {
  store: Store
  keys: KeyService
  manifests: ManifestService
  issuer: GrantIssuer
  keyHashSecret: string
  now: () => number
  activationsPerLicense: RateLimiter
  /** Told of the slot an activation of a floating license takes or is denied (see LeaseService). */
  countLease?: (event: LeaseEvent) => void
}

/** Taking a seat: online activation with a license key, and air-gapped activation by request code. */
export class ActivationService {
  readonly #deps: ActivationServiceDeps

  constructor(deps: ActivationServiceDeps) {
    this.#deps = deps
  }

  /**
   * Online activation: checks the key and the license, takes a seat, returns a grant. A `nonce`
   * from the device comes back in the grant, binding the answer to this request; a `product`
   * (the one the device runs) must be the license's.
   */
  async activate(
    licenseKey: string,
    device: DeviceDescription,
    { nonce, product }: { nonce?: string | undefined; product?: string | undefined } = {},
  ): Promise<GrantResponse> {
    await assertUsableDeviceKey(device.publicKey)
    const license = await this.#licenseForKey(licenseKey, product)
    const now = this.#deps.now()
    const jkt = await thumbprint(device.publicKey)
    const grant = await this.#bind(license, { ...device, jkt }, now, nonce)
    return this.#respond(grant, now)
  }

  /** Air-gapped activation: the device's signed request code in, a license file (JSON text) out. */
  async activateOffline(
    licenseKey: string,
    requestCode: string,
    product?: string,
  ): Promise<OfflineActivateResponse> {
    const now = this.#deps.now()
    const request = await refusedAs('proof_invalid', () => verifyRequestCode(requestCode, { now }))
    if (request instanceof Refusal) throw request
    // The same rule as online activation: a device id ends up in grants, admin URLs and logs.
    if (!v.is(identifier, request.dev))
      throw new Refusal(
        'bad_request',
        'requestCode: the device id must be 1 to 128 letters, digits, ".", "_", ":" or "-"',
      )
    const license = await this.#licenseForKey(licenseKey, product)
    // An air-gapped device could never renew or give back a lease: its file would hold a slot, or
    // a term-long grant outside the count. Borrowing is the offline path of a floating license.
    if (license.max_concurrent !== null) {
      throw new Refusal(
        'conflict',
        'a floating license cannot be activated offline; activate online and borrow it instead',
        { reason: 'floating_license' },
      )
    }
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

  /**
   * The license of a key, in this order: the key (`license_key_invalid`), the product asked for
   * (`product_mismatch`), the license's activations per minute (`rate_limited`), its standing.
   * The product comes before the limit: a vendor's app built for the wrong product must not use
   * up the activations of its users' licenses. Saying so tells that the key exists, as every
   * answer but `license_key_invalid` does, and its product, which its holder bought.
   */
  async #licenseForKey(licenseKey: string, product: string | undefined): Promise<LicenseRow> {
    const normalized = normalizeLicenseKey(licenseKey)
    const license = normalized
      ? await this.#deps.store.findLicenseByKeyHash(
          hashLicenseKey(normalized, this.#deps.keyHashSecret),
        )
      : undefined
    if (!license)
      throw new Refusal('license_key_invalid', 'no license has this key; check it for typos')
    if (product !== undefined && product !== license.product)
      throw new Refusal(
        'product_mismatch',
        `this key is a license for ${license.product}, not ${product}`,
        { product: license.product },
      )
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
      license.max_concurrent === null
        ? undefined
        : {
            kind: 'lease',
            now,
            endsAt: now + parseDuration(license.lease_length ?? 'PT0S') * 1000,
          },
    )
    if (!outcome.ok) {
      if (outcome.reason === 'all_leases_in_use') {
        this.#deps.countLease?.('denied')
        throw leaseRefusal(outcome, license)
      }
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
    if (outcome.lease) this.#deps.countLease?.(leaseEvent(outcome.lease, now))
    const options = { lease: outcome.lease, ...(nonce === undefined ? {} : { nonce }) }
    return (await this.#deps.issuer.issue(outcome.license, outcome.device, now, options)).grant
  }

  async #respond(grant: string, now: number): Promise<GrantResponse> {
    return { grant, certs: await this.#deps.keys.certificates(now), serverTime: now }
  }
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
