import type { GrantStatus } from '../../src/core/index.ts'

/** A grant with the certificates that verify it, as stored per product. */
export interface StoredLicense {
  grant: string
  certs: string[]
}

/** What the store must know of a verified grant to keep the high-water record. */
export interface GrantMark {
  sub: string
  seq: number
  status: GrantStatus
}

/** The newest grant of a product ever stored on this device, as the high-water record keeps it. */
export interface ProductMark {
  /** The license of that grant: `seq` counts per license and device, so it starts again with another license. */
  sub: string
  /** The highest `seq` stored for that license. */
  seq: number
  /**
   * The newest revocation or suspension stored, signed, while no later grant has lifted it: a grant
   * record written back from before it cannot undo it, and the device enforces this copy instead.
   */
  restriction: (StoredLicense & { seq: number }) | null
}

/**
 * The sealed high-water record: the clock guard's `lastSeen`, when the last online check succeeded,
 * and per product the newest grant ever stored. Sealed like a grant, and written in the same
 * transaction as every grant, so an older grant record written back is told apart from the newest.
 */
export interface HighWater {
  lastSeen: number | null
  /** The device time of the last check the license server answered, epoch ms. */
  checkedAt: number | null
  products: Record<string, ProductMark>
}

/**
 * The high-water record as found: `stored`, `absent` (never written, or deleted) or `unreadable`
 * (altered, or sealed under another key). Only a `stored` one vouches for the grants beside it.
 */
export interface HighWaterView extends HighWater {
  origin: 'stored' | 'absent' | 'unreadable'
}

/**
 * Sealed grant records carry `v: 2` inside the seal from the version that writes the high-water
 * record on; a record without it (format 1) was written before, and is migrated once.
 */
export const GRANT_FORMAT = 2

/**
 * What the high-water record says of the grant stored for a product:
 * - `sound`: it is the newest this device stored;
 * - `migrate`: written before the high-water record existed (the first run after the update);
 * - `rolled_back`: an older grant than one stored since, or of another license;
 * - `restricted`: an older grant written back over a revocation or suspension, which holds;
 * - `last_seen_missing`: the high-water record itself is gone or altered, and `lastSeen` with it.
 */
export type GrantVerdict =
  | { kind: 'sound' | 'migrate' | 'rolled_back' | 'last_seen_missing' }
  | { kind: 'restricted'; restriction: StoredLicense }

/** Judges the stored grant of `product` (its verified claims and record format) against `highWater`. */
export function judgeGrant(
  highWater: HighWaterView,
  product: string,
  grant: GrantMark,
  format: number,
): GrantVerdict {
  const legacy = format < GRANT_FORMAT
  if (highWater.origin === 'unreadable') return { kind: 'last_seen_missing' }
  if (highWater.origin === 'absent') return { kind: legacy ? 'migrate' : 'last_seen_missing' }
  const mark = productMark(highWater, product)
  // Every grant of this format is stored with its mark, in one transaction: none means deleted.
  if (!mark) return { kind: legacy ? 'migrate' : 'rolled_back' }
  const older = mark.sub !== grant.sub || grant.seq < mark.seq
  const { restriction } = mark
  // Only the restriction itself, or a grant after it (which would have lifted it), is newer.
  if (restriction && (older || (grant.status === 'active' && restriction.seq >= grant.seq))) {
    return {
      kind: 'restricted',
      restriction: { grant: restriction.grant, certs: restriction.certs },
    }
  }
  // A record of the previous format cannot come back once its product has a mark.
  return { kind: older || legacy ? 'rolled_back' : 'sound' }
}

/** The mark of `product` in `highWater`, if any: an own property only, whatever the product's name. */
export function productMark(highWater: HighWater, product: string): ProductMark | undefined {
  return Object.hasOwn(highWater.products, product) ? highWater.products[product] : undefined
}

/** The mark of `product` once `grant` (verified, as `stored`) is written: seq only grows per license. */
export function markGrant(
  previous: ProductMark | undefined,
  grant: GrantMark,
  stored: StoredLicense,
): ProductMark {
  const same = previous?.sub === grant.sub ? previous : undefined
  let restriction = same?.restriction ?? null
  if (grant.status !== 'active') {
    if (!restriction || grant.seq >= restriction.seq)
      restriction = { seq: grant.seq, grant: stored.grant, certs: stored.certs }
  } else if (restriction && grant.seq > restriction.seq) {
    restriction = null
  }
  return { sub: grant.sub, seq: Math.max(same?.seq ?? 0, grant.seq), restriction }
}

/** A high-water record read back from its seal, or null when it is not one (never trust its shape). */
export function readHighWater(value: unknown): HighWater | null {
  if (!isRecord(value) || !isTime(value.lastSeen) || !isTime(value.checkedAt)) return null
  if (!isRecord(value.products)) return null
  const products: [string, ProductMark][] = []
  for (const [product, mark] of Object.entries(value.products)) {
    if (!isRecord(mark) || typeof mark.sub !== 'string' || !isSeq(mark.seq)) return null
    const kept = mark.restriction
    let restriction: ProductMark['restriction'] = null
    if (kept !== null) {
      if (!isStoredLicense(kept) || !isSeq(kept.seq)) return null
      restriction = { seq: kept.seq, grant: kept.grant, certs: kept.certs }
    }
    products.push([product, { sub: mark.sub, seq: mark.seq, restriction }])
  }
  // fromEntries defines own properties: a product named `__proto__` stays a product.
  return {
    lastSeen: value.lastSeen,
    checkedAt: value.checkedAt,
    products: Object.fromEntries(products),
  }
}

export function isStoredLicense(value: unknown): value is StoredLicense & Record<string, unknown> {
  return (
    isRecord(value) &&
    typeof value.grant === 'string' &&
    Array.isArray(value.certs) &&
    value.certs.every((cert) => typeof cert === 'string')
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value))
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value)
}
