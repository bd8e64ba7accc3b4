import type { TelemetryPoint } from '../../core/index.ts'
import { daysBetween, formatMs } from './format.ts'

export interface DayValue {
  day: string
  /** null when nothing was reported that day. */
  value: number | null
  /** The counts behind a rate, for the data table. */
  detail?: string
}

export interface HistogramBar {
  label: string
  count: number
}

function byDay(series: readonly TelemetryPoint[]): Map<string, TelemetryPoint[]> {
  const days = new Map<string, TelemetryPoint[]>()
  for (const point of series) days.set(point.day, [...(days.get(point.day) ?? []), point])
  return days
}

/** Offline success rate per day: rechecksOk / (rechecksOk + rechecksFailed), as a percentage. */
export function recheckSuccessRate(
  series: readonly TelemetryPoint[],
  from: string,
  to: string,
): DayValue[] {
  const days = byDay(series)
  return daysBetween(from, to).map((day) => {
    const points = days.get(day) ?? []
    const ok = points.reduce((sum, point) => sum + point.counters.rechecksOk, 0)
    const failed = points.reduce((sum, point) => sum + point.counters.rechecksFailed, 0)
    return ok + failed === 0
      ? { day, value: null }
      : { day, value: (100 * ok) / (ok + failed), detail: `${ok} of ${ok + failed}` }
  })
}

/** Revocations seen by devices per day. */
export function revocationsPerDay(
  series: readonly TelemetryPoint[],
  from: string,
  to: string,
): DayValue[] {
  const days = byDay(series)
  return daysBetween(from, to).map((day) => {
    const points = days.get(day)
    return {
      day,
      value: points ? points.reduce((sum, point) => sum + point.counters.revocationsSeen, 0) : null,
    }
  })
}

/**
 * Time from reconnection to a fresh grant, summed over every series: one bar per bucket, labelled
 * by its upper bound ("≤ 5 s"); a count past the last bound is "> last".
 */
export function reconnectHistogram(series: readonly TelemetryPoint[]): HistogramBar[] {
  const bounds = series.find((point) => point.reconnectToFresh.bucketsMs.length > 0)
    ?.reconnectToFresh.bucketsMs
  if (!bounds) return []
  const sameBuckets = series.filter(
    (point) => point.reconnectToFresh.bucketsMs.join() === bounds.join(),
  )
  const width = Math.max(...sameBuckets.map((point) => point.reconnectToFresh.counts.length))
  const totals = Array.from({ length: width }, (_, index) =>
    sameBuckets.reduce((sum, point) => sum + (point.reconnectToFresh.counts[index] ?? 0), 0),
  )
  return totals.map((count, index) => {
    const bound = bounds[index]
    const last = bounds.at(-1) ?? 0
    return { label: bound === undefined ? `> ${formatMs(last)}` : `≤ ${formatMs(bound)}`, count }
  })
}
