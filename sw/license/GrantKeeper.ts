import {
  GRANT_TYP,
  LeewayError,
  createKeyRing,
  grantUnderAnyRoot,
  readHeader,
  reconcile,
  verifyGrant,
} from '../../src/core/index.ts'
import type { GrantClaims } from '../../src/core/index.ts'
import { GRANT_FORMAT, judgeGrant } from '../store/highWater.ts'
import type { GrantMark } from '../store/highWater.ts'
import type { DeviceIdentity, LicenseStore, StoredLicense } from '../store/LicenseStore.ts'
import type { CheckBook } from './CheckBook.ts'
import type { TelemetryRecorder } from './TelemetryRecorder.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

/**
 * What the sealed high-water record says of the grant in use (see judgeGrant): `rolled_back` and
 * `last_seen_missing` make the state clock-suspect; `restriction_kept` means the grant in use is
 * the revocation or suspension recorded there, in place of an older grant written back over it.
 */
export type Integrity = 'sound' | 'rolled_back' | 'last_seen_missing' | 'restriction_kept'

export interface LoadedGrant {
  kind: 'ok'
  stored: StoredLicense
  claims: GrantClaims
  keyId: string
  integrity: Integrity
}

export type Loaded = { kind: 'none' } | LoadedGrant | { kind: 'invalid'; problem: string }

export type Applied =
  { kind: 'applied'; claims: GrantClaims; won: boolean } | { kind: 'rejected'; code: Rejection }

/**
 * Why a grant was set aside: it does not verify against the pinned root or answer what it should
 * (`grant_invalid`), it verifies only under a root of its server's own, as an answer to this very
 * request for this device (`root_key_mismatch`: see `underAnotherRoot`), or it is for another
 * product (`product_mismatch`).
 */
export type Rejection = 'grant_invalid' | 'root_key_mismatch' | 'product_mismatch'

/** What a grant must answer: the request's nonce, and the product it must be for. */
export interface GrantBinding {
  /** The nonce of the request the grant answers, if it answers one of this worker's requests. */
  nonce?: string
  /** A grant without `nonce` is rejected: a direct answer to an activation or deactivation. */
  requireNonce?: boolean
  /** The product the grant must be for. */
  product?: string
}

/**
 * The grants on this device: read from the store and verified against the pinned root and the
 * high-water record, and replaced only by a verified grant that wins reconciliation. This
 * product's grant is kept in memory once verified.
 */
export class GrantKeeper {
  readonly #store: LicenseStore
  readonly #config: Pick<WorkerConfig, 'rootJwk' | 'product' | 'now'>
  readonly #book: CheckBook
  readonly #telemetry: TelemetryRecorder
  #loaded: Promise<Loaded> | undefined

  constructor(
    store: LicenseStore,
    config: Pick<WorkerConfig, 'rootJwk' | 'product' | 'now'>,
    book: CheckBook,
    telemetry: TelemetryRecorder,
  ) {
    this.#store = store
    this.#config = config
    this.#book = book
    this.#telemetry = telemetry
  }

  /** This product's grant. */
  load(): Promise<Loaded> {
    this.#loaded ??= this.#store
      .device()
      .then((device) => this.#verify(this.#config.product, device))
    this.#loaded.catch(() => {
      this.#loaded = undefined
    })
    return this.#loaded
  }

  /** The grant of `product`, which may be another app's on the same origin. */
  loadFor(product: string, device: DeviceIdentity): Promise<Loaded> {
    return product === this.#config.product ? this.load() : this.#verify(product, device)
  }

  /**
   * Verifies a grant from the server or a file and keeps it if it wins reconciliation. A grant
   * that does not answer `binding` is rejected before anything is stored.
   */
  async apply(
    incoming: StoredLicense,
    device: DeviceIdentity,
    binding: GrantBinding = {},
  ): Promise<Applied> {
    let claims: GrantClaims
    try {
      const ring = await createKeyRing(this.#config.rootJwk, incoming.certs)
      // The raw clock here: a lastSeen once pushed far ahead must not make every fresh grant look
      // expired. Stored grants, which a clock set back could revive, use the later of the two.
      claims = await verifyGrant(incoming.grant, ring, {
        now: this.#config.now(),
        expect: { dev: device.id, jkt: device.jkt },
      })
    } catch (error) {
      const unknownKey = error instanceof LeewayError && error.code === 'kid_unknown'
      const mismatch = unknownKey && (await underAnotherRoot(incoming, device, binding.nonce))
      return { kind: 'rejected', code: mismatch ? 'root_key_mismatch' : 'grant_invalid' }
    }
    if (binding.requireNonce === true && claims.nonce !== binding.nonce)
      return { kind: 'rejected', code: 'grant_invalid' }
    if (binding.product !== undefined && claims.aud !== binding.product)
      return { kind: 'rejected', code: 'product_mismatch' }
    const product = claims.aud
    const local = await this.loadFor(product, device)
    const won =
      local.kind !== 'ok' ||
      reconcile(local.claims, claims, { dev: device.id }).winner === 'incoming'
    if (
      won &&
      claims.status === 'revoked' &&
      claims.rsn !== 'deactivated' &&
      product === this.#config.product &&
      (local.kind !== 'ok' || local.claims.status !== 'revoked')
    ) {
      await this.#telemetry.revocationSeen()
    }
    if (won) {
      // Keep certificates the server no longer lists but an older grant may still need.
      const certs = [
        ...new Set([...incoming.certs, ...(local.kind === 'ok' ? local.stored.certs : [])]),
      ]
      const stored = { grant: incoming.grant, certs }
      await this.#store.writeLicense(product, stored, markOf(claims))
      if (product === this.#config.product) {
        // Judged like a stored grant: an old grant replayed over one written back is still not
        // the newest this device held.
        const judged = await this.#checkRollback(
          product,
          { kind: 'ok', stored, claims, keyId: signingKeyId(incoming.grant), integrity: 'sound' },
          GRANT_FORMAT,
          device,
        )
        this.#loaded = Promise.resolve(judged)
      }
    }
    return { kind: 'applied', claims, won }
  }

  async #verify(product: string, device: DeviceIdentity): Promise<Loaded> {
    const read = await this.#store.readLicense(product)
    if (read.kind === 'none') return { kind: 'none' }
    if (read.kind === 'unreadable') return { kind: 'invalid', problem: 'store_unreadable' }
    const loaded = await this.#verifyStored(read.value, product, device)
    return loaded.kind === 'ok' ? this.#checkRollback(product, loaded, read.format, device) : loaded
  }

  /**
   * Holds a verified stored grant against the sealed high-water record (see judgeGrant). Writing
   * an older sealed grant record back, or deleting the record, must not undo a revocation or the
   * clock guard: the grant is then suspect, or the revocation recorded there is enforced.
   */
  async #checkRollback(
    product: string,
    loaded: LoadedGrant,
    format: number,
    device: DeviceIdentity,
  ): Promise<Loaded> {
    const verdict = judgeGrant(
      await this.#store.highWater(),
      product,
      markOf(loaded.claims),
      format,
    )
    switch (verdict.kind) {
      case 'sound':
        return loaded
      case 'migrate':
        // The first run after the update that introduced the record: this grant gets its mark and
        // the format marker, once; a failure leaves it for the next start.
        await this.#store
          .writeLicense(product, loaded.stored, markOf(loaded.claims))
          .catch(() => undefined)
        return loaded
      case 'restricted': {
        const kept = await this.#verifyStored(verdict.restriction, product, device)
        return kept.kind === 'ok'
          ? { ...kept, integrity: 'restriction_kept' }
          : { ...loaded, integrity: 'rolled_back' }
      }
      default:
        return { ...loaded, integrity: verdict.kind }
    }
  }

  async #verifyStored(
    stored: StoredLicense,
    product: string,
    device: DeviceIdentity,
  ): Promise<Loaded> {
    try {
      const ring = await createKeyRing(this.#config.rootJwk, stored.certs)
      const claims = await verifyGrant(stored.grant, ring, {
        now: await this.#book.trustedNow(),
        expect: { aud: product, dev: device.id, jkt: device.jkt },
      })
      const keyId = signingKeyId(stored.grant)
      return { kind: 'ok', stored, claims, keyId, integrity: 'sound' }
    } catch (error) {
      return {
        kind: 'invalid',
        problem: error instanceof LeewayError ? error.code : 'grant_invalid',
      }
    }
  }
}

/**
 * Whether a grant the pinned root did not vouch for answers this very request (it carries its
 * `nonce`), for this device and its key, signed by the key of a certificate sent beside it: what
 * only a license server with a root key of its own makes (a build pinned to another root than the
 * server's), never a portal, a proxy or an old answer replayed. Someone on the network who reads
 * our request could make one too, with a root of their own; that changes only the words the user
 * reads, since nothing of such an answer is kept either way.
 */
async function underAnotherRoot(
  incoming: StoredLicense,
  device: DeviceIdentity,
  nonce: string | undefined,
): Promise<boolean> {
  if (nonce === undefined) return false
  const claims = await grantUnderAnyRoot(incoming.grant, incoming.certs)
  return (
    claims !== null &&
    claims.nonce === nonce &&
    claims.dev === device.id &&
    claims.cnf.jkt === device.jkt
  )
}

/** What the high-water record keeps of a verified grant. */
function markOf(claims: GrantClaims): GrantMark {
  return { sub: claims.sub, seq: claims.seq, status: claims.status }
}

/** The `kid` of a grant that verified (so its header is known to be well-formed). */
function signingKeyId(grant: string): string {
  return readHeader(grant, GRANT_TYP).kid ?? ''
}
