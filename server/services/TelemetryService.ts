import { createHmac } from 'node:crypto'
import * as v from 'valibot'
import {
  RECONNECT_BUCKETS_MS,
  TELEMETRY_COUNTERS,
  TELEMETRY_MAX_COUNT,
  utcDay,
} from '../../src/core/index.ts'
import type {
  TelemetryCounter,
  TelemetryCounters,
  TelemetryPoint,
  TelemetryReport,
} from '../../src/core/index.ts'
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

/**
 * The most one report adds to each counter. A report holds what a device counted since its last
 * accepted one, which may span weeks offline: a device started 50 times a day for three months,
 * a grace period entered and left every few days, failed re-checks retried with back-off all that
 * time. A larger value says more about its sender than about the app; it is added as the cap (and
 * accepted, so that a device with a bug clears it instead of sending it again every day).
 */
export const REPORT_CAPS: Readonly<Record<TelemetryCounter, number>> = {
  startsOffline: 5_000,
  startsOnline: 5_000,
  graceEntered: 500,
  graceEnded: 500,
  rechecksOk: 5_000,
  rechecksFailed: 20_000,
  revocationsSeen: 100,
}
/** The most one report adds to each bucket of the reconnection histogram (one per reconnection). */
export const RECONNECT_CAP = 1_000

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

/**
 * What became of a report; each is counted in `leeway_telemetry_reports_total`. `repeated`: the
 * device already reported today, so it is answered accepted (the device clears it) and not added.
 */
export type TelemetryOutcome = 'accepted' | 'repeated' | 'invalid' | 'unverified' | 'failed'

/** A check of the same `validate` call that verified and checked in: who may report, and how. */
export interface CheckedInDevice {
  product: string
  policyVersion: number
  license: string
  device: string
}

/**
 * Opt-in telemetry on the server: checks a device's report, adds it to the aggregate of its UTC
 * day, product and policy version (nothing that names the device is kept, not even beside it), and
 * answers series with at least `MIN_DEVICES` contributing devices.
 */
export class TelemetryService {
  readonly #store: Store
  readonly #now: () => number
  readonly #markerKey: Buffer

  /** `secret`: the server's key-hash secret; the daily markers use a key derived from it. */
  constructor(store: Store, now: () => number, secret: string) {
    this.#store = store
    this.#now = now
    this.#markerKey = createHmac('sha256', secret).update('leeway telemetry daily marker').digest()
  }

  /**
   * Adds a report sent with a `validate` call. `checkedIn` holds each check of that call that
   * verified and checked in: only a device that proved its license and still holds its seat may
   * report, once a UTC day, and the report counts under the policy version it was collected with.
   */
  async record(
    input: unknown,
    checkedIn: readonly CheckedInDevice[],
  ): Promise<{ outcome: TelemetryOutcome; day?: string }> {
    const parsed = v.safeParse(ReportSchema, input, { abortEarly: true })
    if (!parsed.success) return { outcome: 'invalid' }
    const report: TelemetryReport = parsed.output
    const grant = checkedIn.find((check) => check.product === report.product)
    if (!grant) return { outcome: 'unverified' }
    const day = utcDay(this.#now())
    const row: Record<string, string | number> = {
      day,
      product: report.product,
      policy_version: grant.policyVersion,
    }
    for (const name of TELEMETRY_COUNTERS)
      row[COLUMNS[name]] = Math.min(report.counters[name], REPORT_CAPS[name])
    report.reconnectToFresh.counts.forEach((value, index) => {
      row[bucketColumn(index)] = Math.min(value, RECONNECT_CAP)
    })
    const added = await this.#store.addTelemetryOnce(
      row as Omit<TelemetryDailyRow, 'devices'>,
      this.#marker(day, grant),
    )
    return { outcome: added ? 'accepted' : 'repeated', day }
  }

  /** Names the device for one day only, and only to whoever holds the server's secret. */
  #marker(day: string, device: CheckedInDevice): string {
    return createHmac('sha256', this.#markerKey)
      .update(JSON.stringify([day, device.license, device.device, device.product]))
      .digest('base64url')
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
