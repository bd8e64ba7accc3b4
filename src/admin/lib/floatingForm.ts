import { isDuration, parseDuration } from '../../core/index.ts'
import type { FloatingSettings } from '../../core/index.ts'
import { formatMs } from './format.ts'

/** The floating fields of the new-license form, as typed (a number field is null when empty). */
export interface FloatingFields {
  maxConcurrent: number | null | undefined
  leaseLength: string
  /** Empty: no borrowing. */
  maxBorrow: string
}

export type FloatingProblems = Partial<Record<keyof FloatingFields, string>>

export type FloatingReading =
  { ok: true; floating: FloatingSettings } | { ok: false; problems: FloatingProblems }

/**
 * The settings the fields make, or what is wrong with each field, in words a vendor can act on.
 * The server checks the same (and more); this only saves a round trip and says which field.
 * @example readFloating({ maxConcurrent: 3, leaseLength: 'pt15m', maxBorrow: '' }, 10)
 *   // { ok: true, floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: null } }
 */
export function readFloating(fields: FloatingFields, seats: number): FloatingReading {
  const problems: FloatingProblems = {}
  const { maxConcurrent } = fields
  if (typeof maxConcurrent !== 'number' || !Number.isSafeInteger(maxConcurrent))
    problems.maxConcurrent = 'Enter a whole number of devices, such as 3.'
  else if (maxConcurrent < 1) problems.maxConcurrent = 'At least 1 device must be able to use it.'
  else if (Number.isSafeInteger(seats) && maxConcurrent > seats)
    problems.maxConcurrent = `At most the seats (${seats}): only that many devices can register.`

  const leaseLength = normalize(fields.leaseLength)
  const leaseProblem = durationProblem(leaseLength, 'PT15M (15 minutes)')
  if (leaseProblem) problems.leaseLength = leaseProblem

  const maxBorrow = normalize(fields.maxBorrow)
  const borrowProblem = maxBorrow === '' ? null : durationProblem(maxBorrow, 'P7D (7 days)')
  if (borrowProblem) problems.maxBorrow = borrowProblem

  if (Object.keys(problems).length > 0 || typeof maxConcurrent !== 'number')
    return { ok: false, problems }
  return { ok: true, floating: { maxConcurrent, leaseLength, maxBorrow: maxBorrow || null } }
}

/** A duration as typed, read for people: "15 min"; null when it is not one. */
export function durationInWords(value: string): string | null {
  const normalized = normalize(value)
  if (!isDuration(normalized)) return null
  return formatMs(parseDuration(normalized) * 1000)
}

function normalize(value: string): string {
  return value.trim().toUpperCase()
}

function durationProblem(value: string, example: string): string | null {
  if (value === '') return `Enter a duration, such as ${example}.`
  if (!isDuration(value))
    return `Not a duration: use ISO 8601 with weeks, days, hours, minutes or seconds, such as ${example}.`
  if (parseDuration(value) === 0) return 'Must be longer than zero.'
  return null
}
