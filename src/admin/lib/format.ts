import type { LicenseView } from '../../core/index.ts'

// Dates for the vendor, in the reader's language and time zone; and a license's standing in words.

const DAY = 86_400_000

/** "28 Nov 2026, 14:39". */
export function formatDateTime(ms: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(ms)
}

/** "28 Nov 2026". */
export function formatDate(ms: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(ms)
}

/** A term end in words: "28 Nov 2026 (in 12 days)", "ended 3 Jan 2026", or "perpetual". */
export function formatTermEnd(termEnd: number | null, now: number = Date.now()): string {
  if (termEnd === null) return 'Perpetual'
  const date = formatDateTime(termEnd)
  if (termEnd <= now) return `Ended ${date}`
  const days = Math.ceil((termEnd - now) / DAY)
  return `${date} (in ${days} ${days === 1 ? 'day' : 'days'})`
}

/** A day as YYYY-MM-DD in UTC, as the telemetry API names days. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive), at most `limit` of them. */
export function daysBetween(from: string, to: string, limit = 366): string[] {
  const days: string[] = []
  const end = Date.parse(`${to}T00:00:00Z`)
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && days.length < limit; t += DAY) {
    days.push(isoDay(t))
  }
  return days
}

/** "3 Dec" for a YYYY-MM-DD day, read in UTC like the API. */
export function shortDay(day: string): string {
  return new Intl.DateTimeFormat(undefined, {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(Date.parse(`${day}T00:00:00Z`))
}

/** A time relative to `now` in words: "in 14 minutes", "3 days ago", "now". */
export function formatRelative(ms: number, now: number = Date.now()): string {
  const words = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  const delta = ms - now
  const size = Math.abs(delta)
  if (size < 60_000) return words.format(Math.round(delta / 1_000), 'second')
  if (size < 3_600_000) return words.format(Math.round(delta / 60_000), 'minute')
  if (size < DAY) return words.format(Math.round(delta / 3_600_000), 'hour')
  return words.format(Math.round(delta / DAY), 'day')
}

/** A duration in milliseconds as a short label: "500 ms", "5 s", "2 min", "1 h". */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${ms} ms`
  if (ms < 60_000) return `${trim(ms / 1_000)} s`
  if (ms < 3_600_000) return `${trim(ms / 60_000)} min`
  if (ms < DAY) return `${trim(ms / 3_600_000)} h`
  return `${trim(ms / DAY)} d`
}

function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

/** A license's badge: its standing, with a usable license called `active` as the vendor set it. */
export function standingLabel(license: Pick<LicenseView, 'standing'>): string {
  return license.standing === 'good' ? 'active' : license.standing
}
