import { randomBytes } from 'node:crypto'
import { encodeBase32 } from './licenseKeys.ts'

/** A license id that sorts by creation time (48-bit milliseconds, then 80 random bits). */
export function newLicenseId(now: number): string {
  const time = Buffer.alloc(6)
  time.writeUIntBE(now, 0, 6)
  return `lic_${encodeBase32(Buffer.concat([time, randomBytes(11)]), 26).toLowerCase()}`
}

/** A grant id: 128 random bits. */
export function newGrantId(): string {
  return randomBytes(16).toString('base64url')
}
