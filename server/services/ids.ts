import { randomBytes } from 'node:crypto'
import { encodeBase32 } from './licenseKeys.ts'

/** A license id that sorts by creation time (see `timeOrderedId`). */
export function newLicenseId(now: number): string {
  return timeOrderedId('lic', now)
}

/** An audit entry id that sorts by time (see `timeOrderedId`). */
export function newAuditId(now: number): string {
  return timeOrderedId('aud', now)
}

const last = new Map<string, { ms: number; seq: number }>()

/**
 * `PREFIX_` and 26 base32 characters: 48-bit milliseconds, a 16-bit sequence, 64 random bits.
 * Within one process the ids of a prefix only grow, even within one millisecond or with a clock set
 * back, so newest-first lists read in the order things happened; instances sharing a database may
 * interleave the ids of one millisecond.
 */
function timeOrderedId(prefix: string, now: number): string {
  const previous = last.get(prefix) ?? { ms: 0, seq: 0 }
  const next =
    now > previous.ms
      ? { ms: now, seq: 0 }
      : previous.seq < 0xffff
        ? { ms: previous.ms, seq: previous.seq + 1 }
        : { ms: previous.ms + 1, seq: 0 }
  last.set(prefix, next)
  const head = Buffer.alloc(8)
  head.writeUIntBE(next.ms, 0, 6)
  head.writeUInt16BE(next.seq, 6)
  return `${prefix}_${encodeBase32(Buffer.concat([head, randomBytes(8)]), 26).toLowerCase()}`
}

/** A grant id: 128 random bits. */
export function newGrantId(): string {
  return randomBytes(16).toString('base64url')
}
