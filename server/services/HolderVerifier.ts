import { createHash } from 'node:crypto'
import {
  GRANT_TYP,
  PROOF_MAX_SKEW_SECONDS,
  proofReplayKey,
  readHeader,
  verifyGrant,
  verifyProof,
} from '../../src/core/index.ts'
import type {
  Es256Verifier,
  GrantClaims,
  HolderCheck,
  ProofEndpoint,
  PublicJwk,
} from '../../src/core/index.ts'
import { VerifierCache } from '../crypto/nodeEs256.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { DeviceRow, LicenseRow, Store, UsedProof } from '../storage/Store.ts'
import { Refusal, refusedAs } from './Refusal.ts'

/** What a proof is checked against, per endpoint (see `verifyProof`). */
export interface ProofBinding {
  endpoint: ProofEndpoint
  /** Unbound proofs, from workers installed before proofs named their endpoint. */
  acceptUnbound?: boolean
}

/** A check whose grant we signed and whose proof its device made; the proof is not yet used up. */
export interface VerifiedHolder {
  license: LicenseRow
  device: DeviceRow
  claims: GrantClaims
  now: number
  /** What remembering the proof takes, so that it cannot be used again. */
  proof: UsedProof
}

/**
 * Verifies that a request comes from the holder of a grant: the grant is ours, names a device of
 * a license of this server, and the device's key signed a fresh proof for this request. Refusals
 * are answered as values, so a batch can answer each check without an exception per refusal.
 */
export class HolderVerifier {
  readonly #store: Store
  readonly #keys: KeyService
  readonly #now: () => number
  // Parsing a device key costs about as much as verifying its proof: keep the recent ones.
  readonly #deviceKeys = new VerifierCache()

  constructor(store: Store, keys: KeyService, now: () => number) {
    this.#store = store
    this.#keys = keys
    this.#now = now
  }

  /**
   * The check verified, or why not. The caller must use the proof up (remember it, or check in
   * with it) before acting on it, which refuses replays. `proofKey` is `proofReplayKey(proof)`.
   */
  async verify(
    check: HolderCheck,
    binding: ProofBinding,
    proofKey: string = proofReplayKey(check.proof),
  ): Promise<VerifiedHolder | Refusal> {
    const now = this.#now()
    const kid = kidOf(check.grant)
    if (kid !== undefined) await this.#keys.knows(kid)
    const ring = await this.#keys.ring()
    const claims = await refusedAs('grant_invalid', () => verifyGrant(check.grant, ring, { now }))
    if (claims instanceof Refusal) return claims
    const license = await this.#store.findLicense(claims.sub)
    if (!license || license.product !== claims.aud)
      return new Refusal('grant_invalid', 'the grant names no license of this server')
    const device = await this.#store.findDevice(license.id, claims.dev)
    if (!device) return deviceUnknown()
    if (device.jkt !== claims.cnf.jkt) {
      return new Refusal(
        'grant_invalid',
        'this device was activated again with another key; use the newer grant',
      )
    }
    const verifier = this.#deviceVerifier(device)
    if (verifier instanceof Refusal) return verifier
    const proven = await refusedAs('proof_invalid', () =>
      verifyProof(check.proof, verifier, { jti: claims.jti, now, ...binding }),
    )
    if (proven instanceof Refusal) return proven
    // Keyed on what was signed, not on its spelling: see proofReplayKey.
    const proof: UsedProof = {
      hash: createHash('sha256').update(proofKey).digest('base64url'),
      expiresAt: now + 2 * PROOF_MAX_SKEW_SECONDS * 1000,
    }
    return { license, device, claims, now, proof }
  }

  /** `verify`, then uses its proof up; throws the refusal (for endpoints that answer one check). */
  async verifyAndConsume(
    check: HolderCheck,
    binding: ProofBinding,
  ): Promise<Omit<VerifiedHolder, 'proof'>> {
    const verified = await this.verify(check, binding)
    if (verified instanceof Refusal) throw verified
    const { proof, ...holder } = verified
    if (!(await this.#store.rememberProof(proof.hash, proof.expiresAt, holder.now)))
      throw proofReplayed()
    return holder
  }

  /** The stored device key, parsed once while it stays in use (it cannot be a bad key: see activate). */
  #deviceVerifier(device: DeviceRow): Es256Verifier | Refusal {
    try {
      return this.#deviceKeys.get(device.public_jwk, (text) => JSON.parse(text) as PublicJwk)
    } catch {
      return new Refusal('proof_invalid', 'the stored device key cannot verify proofs')
    }
  }
}

export function proofReplayed(): Refusal {
  return new Refusal('proof_invalid', 'this proof was already used; sign a new one')
}

export function deviceUnknown(): Refusal {
  return new Refusal('device_unknown', 'this device is not activated for the license')
}

function kidOf(token: string): string | undefined {
  try {
    const { kid } = readHeader(token, GRANT_TYP)
    return typeof kid === 'string' && kid.length <= 128 ? kid : undefined
  } catch {
    return undefined
  }
}
