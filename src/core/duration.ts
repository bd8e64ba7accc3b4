import { DurationInvalid } from './errors.ts'

// Years and months have no fixed length, and a grace period must mean the same number of seconds
// on every device and on the server, so only fixed-length units are accepted.
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/

/** Parses an ISO 8601 duration of fixed-length units into whole seconds: `parseDuration('P7D') === 604800`. */
export function parseDuration(value: string): number {
  const match = DURATION.exec(value)
  if (!match || value === 'P' || value.endsWith('T')) throw new DurationInvalid(value)
  const [, weeks, days, hours, minutes, seconds] = match
  const total =
    Number(weeks ?? 0) * 604_800 +
    Number(days ?? 0) * 86_400 +
    Number(hours ?? 0) * 3_600 +
    Number(minutes ?? 0) * 60 +
    Number(seconds ?? 0)
  if (!Number.isSafeInteger(total)) throw new DurationInvalid(value)
  return total
}

/** Whether `value` is a duration `parseDuration` accepts. */
export function isDuration(value: string): boolean {
  try {
    parseDuration(value)
    return true
  } catch {
    return false
  }
}

/** Formats seconds as the shortest ISO 8601 duration of days, hours, minutes and seconds. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isSafeInteger(totalSeconds) || totalSeconds < 0)
    throw new DurationInvalid(totalSeconds)
  if (totalSeconds === 0) return 'PT0S'
  const days = Math.floor(totalSeconds / 86_400)
  const hours = Math.floor((totalSeconds % 86_400) / 3_600)
  const minutes = Math.floor((totalSeconds % 3_600) / 60)
  const seconds = totalSeconds % 60
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`
}
