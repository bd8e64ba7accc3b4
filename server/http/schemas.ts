import * as v from 'valibot'
import { isDuration, isPublicJwk } from '../../src/core/index.ts'
import type { PublicJwk } from '../../src/core/index.ts'

// Shared pieces of the request schemas; limits are far above real values and well below harm.
export const token = v.pipe(
  v.string('must be a string'),
  v.minLength(1, 'must not be empty'),
  v.maxLength(16_384, 'is too long'),
)
export const shortText = (max: number) =>
  v.pipe(v.string('must be a string'), v.maxLength(max, `must be at most ${max} characters`))
export const identifier = v.pipe(
  v.string('must be a string'),
  v.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 letters, digits, ".", "_", ":" or "-"'),
)
export const licenseKey = v.pipe(
  v.string('must be a string'),
  v.minLength(1, 'must not be empty'),
  v.maxLength(100, 'is too long'),
)
export const publicJwk = v.custom<PublicJwk>(
  isPublicJwk,
  'must be a public P-256 JWK (kty EC, crv P-256, x, y)',
)
export const duration = v.pipe(
  v.string('must be a string'),
  v.check(
    isDuration,
    'must be an ISO 8601 duration of weeks, days, hours, minutes or seconds, like P7D',
  ),
)
export const epochMs = v.pipe(
  v.number('must be a number (epoch milliseconds)'),
  v.safeInteger('must be a whole number of milliseconds'),
  v.minValue(946_684_800_000, 'must be after the year 2000'),
  v.maxValue(32_503_680_000_000, 'must be before the year 3000'),
)
export const checkSchema = v.strictObject({ grant: token, proof: token })
