/** The end of a calendar day (YYYY-MM-DD) in UTC, in epoch ms: a term "until 30 June" includes 30 June. */
export function endOfDayUtc(day: string): number {
  return Date.parse(`${day}T23:59:59.999Z`)
}

/** The YYYY-MM-DD (UTC) of `ms`, for a date field. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** `ms` moved by whole calendar years, in UTC. */
export function addYears(ms: number, years: number): number {
  const date = new Date(ms)
  date.setUTCFullYear(date.getUTCFullYear() + years)
  return date.getTime()
}
