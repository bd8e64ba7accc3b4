import { entitledFeatures, policyFor, signGrant } from '../../src/core/index.ts'
import type { GrantClaims, GrantStatus } from '../../src/core/index.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { DeviceRow, LicenseRow } from '../storage/Store.ts'
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
   */
  async issue(
    license: LicenseRow,
    device: DeviceRow,
    now: number,
    options: { nonce?: string } = {},
  ): Promise<IssuedGrant> {
    const { version, product } = await this.#manifests.product(license.product)
    const revocation = revocationReason(license, device)
    const status: GrantStatus = revocation ? 'revoked' : license.status
    const claims: GrantClaims = {
      iss: this.#issuer,
      aud: license.product,
      sub: license.id,
      jti: newGrantId(),
      seq: device.seq,
      iat: Math.floor(now / 1000),
      ...(license.term_end === null ? {} : { exp: Math.floor(license.term_end / 1000) }),
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
    }
    const signer = await this.#keys.signer(now)
    return { grant: await signGrant(claims, signer.key, signer.kid), claims }
  }
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
