import { createHash } from 'node:crypto'
import { API_PATHS, parseDuration, proofNonce } from '../../src/core/index.ts'
import type { GrantResponse, HolderCheck } from '../../src/core/index.ts'
import type { KeyService } from '../keys/KeyService.ts'
import type { LeaseOutcome, LeaseRequest, LicenseRow, Store } from '../storage/Store.ts'
import type { GrantIssuer } from './GrantIssuer.ts'
import { HolderVerifier, deviceUnknown, proofReplayed } from './HolderVerifier.ts'
import type { ProofBinding, VerifiedHolder } from './HolderVerifier.ts'
import { leaseEvent } from './leaseEvent.ts'
import type { LeaseEvent } from './leaseEvent.ts'
import { Refusal } from './Refusal.ts'
import { standingOf, standingRefusal } from './standing.ts'

// Bound proofs only: these endpoints are newer than every unbound worker.
const LEASE_PROOF: ProofBinding = { endpoint: { htm: 'POST', htu: API_PATHS.lease } }
const BORROW_PROOF: ProofBinding = { endpoint: { htm: 'POST', htu: API_PATHS.leaseBorrow } }
const RELEASE_PROOF: ProofBinding = { endpoint: { htm: 'POST', htu: API_PATHS.leaseRelease } }

export interface LeaseServiceDeps {
  store: Store
  keys: KeyService
  issuer: GrantIssuer
  now: () => number
  /** Told of each slot taken, renewed, borrowed, released or denied (the metrics count them). */
  countLease?: (event: LeaseEvent) => void
}

/**
 * The leases of floating licenses (#15, docs/floating.md): take or renew one, borrow a slot for
 * offline work, release or return it. Each answer is a grant whose `exp` is the lease's end.
 * Refusals decided before the store write (standing, not floating, a bad `until`) leave the proof
 * unused and change nothing.
 */
export class LeaseService {
  readonly #deps: LeaseServiceDeps
  readonly #holders: HolderVerifier

  constructor(deps: LeaseServiceDeps) {
    this.#deps = deps
    this.#holders = new HolderVerifier(deps.store, deps.keys, deps.now)
  }

  /** Takes a lease of `leaseLength`, or renews the one held; a live borrow is kept as it is. */
  async take(check: HolderCheck): Promise<GrantResponse> {
    const holder = await this.#usable(check, LEASE_PROOF)
    const length = parseDuration(holder.license.lease_length ?? 'PT0S') * 1000
    return this.#hold(check, holder, {
      kind: 'lease',
      now: holder.now,
      endsAt: holder.now + length,
    })
  }

  /** Holds a slot until `until` (epoch ms), at most the license's `maxBorrow` from now. */
  async borrow(check: HolderCheck, until: number): Promise<GrantResponse> {
    const holder = await this.#usable(check, BORROW_PROOF)
    const { license, now } = holder
    if (license.max_borrow === null)
      throw new Refusal('bad_request', 'until: this license allows no borrowing')
    const latest = now + parseDuration(license.max_borrow) * 1000
    if (until <= now) throw new Refusal('bad_request', 'until: must be in the future')
    if (until > latest) {
      throw new Refusal(
        'bad_request',
        `until: at most ${license.max_borrow} from now (${new Date(latest).toISOString()})`,
      )
    }
    // A slot held past the term would be held for nothing: the grant ends with the term anyway.
    const endsAt = license.term_end === null ? until : Math.min(until, license.term_end)
    return this.#hold(check, holder, { kind: 'borrow', now, endsAt })
  }

  /** Ends this device's lease or borrow now (closing the app, returning a borrow early). */
  async release(check: HolderCheck): Promise<GrantResponse> {
    const verified = await this.#holders.verify(check, RELEASE_PROOF)
    if (verified instanceof Refusal) throw verified
    const { license, device, now, proof } = verified
    if (license.max_concurrent === null) throw notFloating(license)
    // Standing is not asked: giving a slot back is always allowed, and frees it for the others.
    if (!(await this.#deps.store.rememberProof(proof.hash, proof.expiresAt, now)))
      throw proofReplayed()
    const ended = await this.#deps.store.endLease(license.id, device.device_id, now)
    if (!ended) throw deviceUnknown()
    this.#count('released')
    return this.#respond(check, license, ended, now)
  }

  /** A verified holder of a floating license in good standing, whose device is active. */
  async #usable(check: HolderCheck, binding: ProofBinding): Promise<VerifiedHolder> {
    const verified = await this.#holders.verify(check, binding)
    if (verified instanceof Refusal) throw verified
    const { license, device, now } = verified
    if (license.max_concurrent === null) throw notFloating(license)
    const standing = standingOf(license, now)
    if (standing !== 'good') throw standingRefusal(standing)
    if (device.state !== 'active')
      throw new Refusal('device_unknown', 'this device is no longer activated for the license')
    return verified
  }

  async #hold(
    check: HolderCheck,
    { license, device, now, proof }: VerifiedHolder,
    request: LeaseRequest,
  ): Promise<GrantResponse> {
    if (!(await this.#deps.store.rememberProof(proof.hash, proof.expiresAt, now)))
      throw proofReplayed()
    const outcome = await this.#deps.store.takeLease(license.id, device.device_id, request)
    if (!outcome.ok) {
      if (outcome.reason === 'all_leases_in_use') this.#count('denied')
      throw leaseRefusal(outcome, license)
    }
    this.#count(request.kind === 'borrow' ? 'borrowed' : leaseEvent(outcome.lease, now))
    return this.#respond(check, license, outcome.device, now, outcome.lease)
  }

  #count(event: LeaseEvent): void {
    this.#deps.countLease?.(event)
  }

  async #respond(
    check: HolderCheck,
    license: LicenseRow,
    device: VerifiedHolder['device'],
    now: number,
    lease?: Extract<LeaseOutcome, { ok: true }>['lease'],
  ): Promise<GrantResponse> {
    // As for validate: the device takes this answer's time only if it carries its proof's digest.
    const nonce = await proofNonce(check.proof, sha256)
    const { grant } = await this.#deps.issuer.issue(license, device, now, { nonce, lease })
    return { grant, certs: await this.#deps.keys.certificates(now), serverTime: now }
  }
}

/** The refusal for a lease the store did not give. */
export function leaseRefusal(
  outcome: Exclude<LeaseOutcome, { ok: true }>,
  license: LicenseRow,
): Refusal {
  switch (outcome.reason) {
    case 'all_leases_in_use': {
      const { maxConcurrent, nextFreeAt, waitingAhead } = outcome
      const line = waitingAhead === 0 ? '' : `; ${waitingAhead} in line before this device`
      return new Refusal(
        'all_leases_in_use',
        `all ${maxConcurrent} licenses are in use; one frees up when someone closes the app, at the latest at ${new Date(nextFreeAt).toISOString()}${line}`,
        { maxConcurrent, nextFreeAt, waitingAhead },
      )
    }
    case 'not_floating':
      return notFloating(license)
    case 'device_unknown':
      return deviceUnknown()
    case 'not_found':
      return new Refusal('grant_invalid', 'the grant names no license of this server')
  }
}

function notFloating(license: LicenseRow): Refusal {
  return new Refusal('conflict', `license ${license.id} is not floating: it has no leases`, {
    reason: 'not_floating',
  })
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest()
}
