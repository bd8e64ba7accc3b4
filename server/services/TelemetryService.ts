import * as v from 'valibot'
import {
  RECONNECT_BUCKETS_MS,
  TELEMETRY_COUNTERS,
  TELEMETRY_MAX_COUNT,
  utcDay,
} from '../../src/core/index.ts'
import type { TelemetryCounter, TelemetryCounters, TelemetryReport } from '../../src/core/index.ts'
import { identifier } from '../http/schemas.ts'
import type { Store, TelemetryDailyRow } from '../storage/Store.ts'

/** Series with fewer contributing devices than this are left out of every answer. */
export const MIN_DEVICES = 5

const COLUMNS: Record<TelemetryCounter, keyof TelemetryDailyRow> = {
  startsOffline: 'starts_offline',
  startsOnline: 'starts_online',
  graceEntered: 'grace_entered',
  graceEnded: 'grace_ended',
  rechecksOk: 'rechecks_ok',
  rechecksFailed: 'rechecks_failed',
  revocationsSeen: 'revocations_seen',
}
const BUCKET_COUNT = RECONNECT_BUCKETS_MS.length + 1
const bucketColumn = (index: number) => `reconnect_${index}` as keyof TelemetryDailyRow

const count = v.pipe(
  v.number('must be a number'),
  v.safeInteger('must be a whole number'),
  v.minValue(0, 'must not be negative'),
  v.maxValue(TELEMETRY_MAX_COUNT, `must be at most ${TELEMETRY_MAX_COUNT}`),
)

/** A device's report, checked strictly and bounded: anything else is ignored, never an error. */
const ReportSchema = v.strictObject({
  product: identifier,
  counters: v.strictObject(
    Object.fromEntries(TELEMETRY_COUNTERS.map((name) => [name, count])) as Record<
      TelemetryCounter,
      typeof count
    >,
  ),
  reconnectToFresh: v.strictObject({
    bucketsMs: v.pipe(
      v.array(v.number()),
      v.check(
        (bounds) =>
          bounds.length === RECONNECT_BUCKETS_MS.length &&
          bounds.every((bound, index) => bound === RECONNECT_BUCKETS_MS[index]),
        'must be the server’s buckets',
      ),
    ),
    counts: v.pipe(v.array(count), v.length(BUCKET_COUNT, `must hold ${BUCKET_COUNT} counts`)),
  }),
})

/** Why a report was not added in; each is counted in `leeway_telemetry_reports_total`. */
export type TelemetryOutcome = 'accepted' | 'invalid' | 'unverified' | 'failed'

/** One day's aggregate for a product and policy version, as the admin API shows it. */
export interface TelemetryPoint {
  day: string
  product: string
  policyVersion: number
  devices: number
  counters: TelemetryCounters
  reconnectToFresh: { bucketsMs: number[]; counts: number[] }
}

/**
 * Opt-in telemetry on the server: checks a device's report, adds it to the aggregate of its UTC
 * day, product and policy version (nothing that names the device is kept, not even beside it), and
 * answers series with at least `MIN_DEVICES` contributing devices.
 */
export class TelemetryService {
  readonly #store: Store
  readonly #now: () => number

  constructor(store: Store, now: () => number) {
    this.#store = store
    this.#now = now
  }

  /**
   * Adds a report sent with a `validate` call. `verified` holds the product and policy version of
   * each grant of that call whose proof verified: only a device that proved its license may report,
   * and the report counts under the policy version it was collected with.
   */
  async record(
    input: unknown,
    verified: readonly { product: string; policyVersion: number }[],
  ): Promise<{ outcome: TelemetryOutcome; day?: string }> {
    const parsed = v.safeParse(ReportSchema, input)
    if (!parsed.success) return { outcome: 'invalid' }
    const report: TelemetryReport = parsed.output
    const grant = verified.find((check) => check.product === report.product)
    if (!grant) return { outcome: 'unverified' }
    const day = utcDay(this.#now())
    const row: Record<string, string | number> = {
      day,
      product: report.product,
      policy_version: grant.policyVersion,
    }
    for (const name of TELEMETRY_COUNTERS) row[COLUMNS[name]] = report.counters[name]
    report.reconnectToFresh.counts.forEach((value, index) => {
      row[bucketColumn(index)] = value
    })
    await this.#store.addTelemetry(row as Omit<TelemetryDailyRow, 'devices'>)
    return { outcome: 'accepted', day }
  }

  /** The series of the days from `from` to `to` (inclusive); thin series are only counted. */
  async series(
    from: string,
    to: string,
  ): Promise<{ series: TelemetryPoint[]; suppressed: number }> {
    const rows = await this.#store.telemetryBetween(from, to)
    const shown = rows.filter((row) => Number(row.devices) >= MIN_DEVICES)
    return { series: shown.map(toPoint), suppressed: rows.length - shown.length }
  }
}

function toPoint(row: TelemetryDailyRow): TelemetryPoint {
  const counters = Object.fromEntries(
    TELEMETRY_COUNTERS.map((name) => [name, Number(row[COLUMNS[name]])]),
  ) as TelemetryCounters
  return {
    day: row.day,
    product: row.product,
    policyVersion: Number(row.policy_version),
    devices: Number(row.devices),
    counters,
    reconnectToFresh: {
      bucketsMs: [...RECONNECT_BUCKETS_MS],
      counts: Array.from({ length: BUCKET_COUNT }, (_, index) => Number(row[bucketColumn(index)])),
    },
  }
}
