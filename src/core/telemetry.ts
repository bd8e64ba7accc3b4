// Opt-in telemetry: the counters a device keeps and sends, at most once a day, inside its next
// `validate` call. Shared by the worker (which counts) and the server (which checks and adds them
// up per day, product and policy version). Counters only: no identifiers, no times of day.

/** The event counters, in the order the API lists them. */
export const TELEMETRY_COUNTERS = [
  'startsOffline',
  'startsOnline',
  'graceEntered',
  'graceEnded',
  'rechecksOk',
  'rechecksFailed',
  'revocationsSeen',
] as const

export type TelemetryCounter = (typeof TELEMETRY_COUNTERS)[number]
export type TelemetryCounters = Record<TelemetryCounter, number>

/**
 * Upper bounds (inclusive, milliseconds) of the buckets of the time from reconnection to a fresh
 * grant. A histogram has one count more than there are bounds: the last counts what took longer.
 */
export const RECONNECT_BUCKETS_MS: readonly number[] = [
  1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000,
]

/** The largest value any counter or bucket may carry in one report; devices stop counting there. */
export const TELEMETRY_MAX_COUNT = 100_000

/** What a device sends in `validate`'s `telemetry` member. */
export interface TelemetryReport {
  /** The product whose worker counted; a check of the same call must be for it. */
  product: string
  counters: TelemetryCounters
  reconnectToFresh: { bucketsMs: number[]; counts: number[] }
}

/** Counters all at zero, and an empty histogram. */
export function emptyTelemetry(): {
  counters: TelemetryCounters
  reconnectCounts: number[]
} {
  const counters = Object.fromEntries(TELEMETRY_COUNTERS.map((name) => [name, 0]))
  return {
    counters: counters as TelemetryCounters,
    reconnectCounts: RECONNECT_BUCKETS_MS.map(() => 0).concat(0),
  }
}

/** The bucket a duration falls in: the first whose upper bound holds it, else the overflow. */
export function reconnectBucket(durationMs: number): number {
  const index = RECONNECT_BUCKETS_MS.findIndex((bound) => durationMs <= bound)
  return index === -1 ? RECONNECT_BUCKETS_MS.length : index
}

/** The UTC day of an epoch-ms time, as the telemetry API names days: `2026-03-02`. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10)
}
