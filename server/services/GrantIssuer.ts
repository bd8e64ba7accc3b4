import { entitledFeatures, parseDuration, policyFor, signGrant } from '../../src/core/index.ts'
import type { FloatingClaim, GrantClaims, GrantStatus } from '../../src/core/index.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { DeviceRow, LeaseRow, LicenseRow } from '../storage/Store.ts'
import { newGrantId } from './ids.ts'
import type { ManifestService } from './ManifestService.ts'

/** Why a revocation grant was issued, carried in its `rsn` claim. */
export type RevocationReason = 'revoked' | 'deactivated' | 'device_removed'

export interface IssuedGrant {
  grant: string
  claims: GrantClaims
}

/** Signs grants: the license's term, status and plan, the current policy, bound to the device key. */
export class GrantIssuer {
  readonly #keys: KeyService
  readonly #manifests: ManifestService
  readonly #issuer: string

  constructor(keys: KeyService, manifests: ManifestService, issuer: string) {
    this.#keys = keys
    this.#manifests = manifests
    this.#issuer = issuer
  }

  /**
   * A fresh grant for `device` (whose `seq` the store has just bumped). A released or removed
   * device, or a revoked license, gets a signed revocation: only a signed grant can take rights away.
   * On a floating license the grant ends with the device's `lease` (none, or one past: it ends
   * now), so that no grant of it, re-checked or not, outlives the slot it holds.
   */
  async issue(
    license: LicenseRow,
    device: DeviceRow,
    now: number,
    options: { nonce?: string; lease?: LeaseRow | undefined } = {},
  ): Promise<IssuedGrant> {
    const { version, product } = await this.#manifests.product(license.product)
    const revocation = revocationReason(license, device)
    const status: GrantStatus = revocation ? 'revoked' : license.status
    const end = grantEnd(license, now, options.lease)
    const claims: GrantClaims = {
      iss: this.#issuer,
      aud: license.product,
      sub: license.id,
      jti: newGrantId(),
      seq: device.seq,
      iat: Math.floor(now / 1000),
      ...(end === null ? {} : { exp: Math.floor(end / 1000) }),
      status,
      plan: license.plan,
      features: entitledFeatures(product, license.plan),
      pol: policyFor(product, version, {
        recheckEvery:
          license.recheck_every === 'never' ? null : (license.recheck_every ?? undefined),
        grace: license.grace,
      }),
      dev: device.device_id,
      cnf: { jkt: device.jkt },
      ...(revocation
        ? { rsn: revocation, rvk: Math.floor(revokedAt(license, device, now) / 1000) }
        : {}),
      ...(options.nonce ? { nonce: options.nonce } : {}),
      ...(license.max_concurrent !== null && options.lease && options.lease.ends_at > now
        ? { lse: options.lease.kind }
        : {}),
      ...(license.max_concurrent !== null ? { flt: floatingClaim(license) } : {}),
    }
    const signer = await this.#keys.signer(now)
    return { grant: await signGrant(claims, signer.key, signer.kid), claims }
  }
}

/** A floating license's settings for its grants: a device needs them offline, lease held or not. */
function floatingClaim(license: LicenseRow): FloatingClaim {
  const borrow = license.max_borrow === null ? undefined : parseDuration(license.max_borrow)
  return {
    max: license.max_concurrent ?? 1,
    lease: Math.max(1, parseDuration(license.lease_length ?? 'PT1S')),
    ...(borrow ? { borrow } : {}),
    ...(license.term_end === null ? {} : { end: Math.floor(license.term_end / 1000) }),
  }
}

/** The grant's `exp` in ms: the term end, or on a floating license the lease end if sooner. */
function grantEnd(license: LicenseRow, now: number, lease: LeaseRow | undefined): number | null {
  if (license.max_concurrent === null) return license.term_end
  const leaseEnd = lease && lease.ends_at > now ? lease.ends_at : now
  return license.term_end === null ? leaseEnd : Math.min(license.term_end, leaseEnd)
}

/** When the revocation took effect: the device's release, or the license's revocation. */
function revokedAt(license: LicenseRow, device: DeviceRow, now: number): number {
  if (device.state !== 'active') return device.released_at ?? now
  return license.status_changed_at ?? now
}

function revocationReason(license: LicenseRow, device: DeviceRow): RevocationReason | undefined {
  if (device.state === 'released') return 'deactivated'
  if (device.state === 'removed') return 'device_removed'
  if (license.status === 'revoked') return 'revoked'
  return undefined
}
