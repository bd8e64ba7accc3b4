// Dates and durations in plain words, formatted by Intl in the reader's language and time zone.

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

function sameDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString()
}

/** A day: "Tue 3 Dec" (with the year when it is not this year's), or "today". */
export function formatDay(ms: number, now: number = Date.now()): string {
  if (sameDay(ms, now)) return 'today'
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear()
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(ms)
}

/** A time of day: "14:05" or "2:05 PM", by locale. */
export function formatTime(ms: number): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(ms)
}

/** A moment users plan around: "Tue 3 Dec", or "today at 14:05" when it is today. */
export function formatMoment(ms: number, now: number = Date.now()): string {
  return sameDay(ms, now) ? `today at ${formatTime(ms)}` : formatDay(ms, now)
}

/** The latest a slot frees: "at the latest at 14:35", or "at the latest on Tue 3 Dec". */
export function latestAt(ms: number, now: number = Date.now()): string {
  return sameDay(ms, now)
    ? `at the latest at ${formatTime(ms)}`
    : `at the latest on ${formatDay(ms, now)}`
}

/** A full date and time: "Tue 3 Dec 2024, 14:05". */
export function formatDateTime(ms: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(ms)
}

/** A length of time in words: "8 days", "3 hours", "5 minutes", "less than a minute". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms)
  if (abs >= 2 * DAY) return `${Math.floor(abs / DAY)} days`
  if (abs >= DAY) return '1 day'
  if (abs >= 2 * HOUR) return `${Math.floor(abs / HOUR)} hours`
  if (abs >= HOUR) return '1 hour'
  if (abs >= 2 * MINUTE) return `${Math.floor(abs / MINUTE)} minutes`
  if (abs >= MINUTE) return '1 minute'
  return 'less than a minute'
}

/** Time left until `ms`: "6 days left", "less than a minute left", or "ended". */
export function formatLeft(ms: number, now: number = Date.now()): string {
  if (ms <= now) return 'ended'
  // Whole days are counted up to the moment, so "until Tue" with 5.5 days to go reads "6 days left".
  const left = ms - now
  if (left >= 2 * DAY) return `${Math.ceil(left / DAY)} days left`
  return `${formatDuration(left)} left`
}

/** "in 3 days", "2 hours ago", by locale. */
export function formatRelative(ms: number, now: number = Date.now()): string {
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  const diff = ms - now
  const abs = Math.abs(diff)
  if (abs >= DAY) return rtf.format(Math.round(diff / DAY), 'day')
  if (abs >= HOUR) return rtf.format(Math.round(diff / HOUR), 'hour')
  if (abs >= MINUTE) return rtf.format(Math.round(diff / MINUTE), 'minute')
  return rtf.format(Math.round(diff / 1000), 'second')
}
