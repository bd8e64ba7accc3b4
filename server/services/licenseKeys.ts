import { createHmac, randomBytes } from 'node:crypto'

// Crockford's base32: no I, L, O or U, so keys read aloud or typed by hand survive.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const GROUPS = 6
const GROUP_LENGTH = 5
const KEY_LENGTH = GROUPS * GROUP_LENGTH // 30 characters, 150 bits of randomness

/** A new license key: 150 random bits as six groups of five base32 characters (`7K3QD-…`). */
export function generateLicenseKey(): string {
  const chars = encodeBase32(randomBytes(Math.ceil((KEY_LENGTH * 5) / 8)), KEY_LENGTH)
  return chars.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))?.join('-') ?? chars
}

/** The canonical form of a typed key (case, dashes, spaces and look-alike letters forgiven), or null. */
export function normalizeLicenseKey(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  if (compact.length !== KEY_LENGTH) return null
  for (const char of compact) if (!ALPHABET.includes(char)) return null
  return compact
}

/** The keyed hash under which a key is stored; the key itself is never stored. */
export function hashLicenseKey(normalizedKey: string, secret: string): string {
  return createHmac('sha256', secret).update(normalizedKey).digest('base64url')
}

/** Encodes the leading `length` 5-bit groups of `bytes`. */
export function encodeBase32(bytes: Uint8Array, length: number): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < length) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  return out
}
