import { TELEMETRY_COUNTERS, TELEMETRY_MAX_COUNT, emptyTelemetry } from '../../src/core/index.ts'
import type { TelemetryCounter, TelemetryCounters } from '../../src/core/index.ts'
import type { LeewayDb, TelemetryRecord } from './LeewayDb.ts'

/** Counts kept on the device until the server accepts them. */
export interface TelemetryCounts {
  counters: TelemetryCounters
  /** One count per bucket of RECONNECT_BUCKETS_MS, and one past the last bound. */
  reconnectCounts: number[]
}

/** What the worker remembers between counts: no counts, no identifiers. */
export interface TelemetryProgress {
  /** The UTC day (server's) of the last report the server accepted. */
  sentDay: string | null
  /** When the network came back after a failed check, until a fresh grant arrives (epoch ms). */
  reconnectedAt: number | null
  /** The last license status seen, to tell grace beginning and ending. */
  lastStatus: string | null
}

const NO_PROGRESS: TelemetryProgress = { sentDay: null, reconnectedAt: null, lastStatus: null }

/** What to add: one to a counter, and/or one to a reconnection bucket. */
export interface TelemetryIncrement {
  counter?: TelemetryCounter
  reconnectBucket?: number
}

/**
 * The telemetry store of the worker's database: the consent and the counters. Counting happens only
 * while the user has agreed; saying no clears everything counted.
 */
export class TelemetryStore {
  readonly #db: LeewayDb

  constructor(db: LeewayDb) {
    this.#db = db
  }

  /** Whether the user agreed to telemetry; off until they do. */
  async consent(): Promise<boolean> {
    return this.#db.transaction(['telemetry'], 'readonly', (tx) => hasConsent(tx.store))
  }

  /**
   * Records the user's choice; a "no" forgets every count not yet sent (the day of the last report
   * stays, so that saying yes again the same day sends nothing more that day).
   */
  async setConsent(optIn: boolean): Promise<void> {
    await this.#db.transaction(['telemetry'], 'readwrite', async (tx) => {
      await tx.store.put({ name: 'consent', value: optIn })
      if (optIn) return
      await tx.store.delete('counters')
      await tx.store.put(progressRecord(await readProgress(tx.store), { reconnectedAt: null }))
    })
  }

  /** Adds one to a counter and/or a bucket, if the user agreed; counts stop at the report bound. */
  async count(increment: TelemetryIncrement): Promise<void> {
    await this.#db.transaction(['telemetry'], 'readwrite', async (tx) => {
      if (!(await hasConsent(tx.store))) return
      const counts = await readCounts(tx.store)
      if (increment.counter) {
        counts.counters[increment.counter] = bump(counts.counters[increment.counter])
      }
      const bucket = increment.reconnectBucket
      if (bucket !== undefined && bucket >= 0 && bucket < counts.reconnectCounts.length) {
        counts.reconnectCounts[bucket] = bump(counts.reconnectCounts[bucket] ?? 0)
      }
      await tx.store.put({ name: 'counters', value: counts })
    })
  }

  /** The counts not yet accepted by the server. */
  async counts(): Promise<TelemetryCounts> {
    return this.#db.transaction(['telemetry'], 'readonly', (tx) => readCounts(tx.store))
  }

  /** Takes away what the server accepted; what was counted since stays for the next report. */
  async subtract(sent: TelemetryCounts): Promise<void> {
    await this.#db.transaction(['telemetry'], 'readwrite', async (tx) => {
      const counts = await readCounts(tx.store)
      for (const name of TELEMETRY_COUNTERS) {
        counts.counters[name] = Math.max(0, counts.counters[name] - sent.counters[name])
      }
      counts.reconnectCounts = counts.reconnectCounts.map((value, index) =>
        Math.max(0, value - (sent.reconnectCounts[index] ?? 0)),
      )
      await tx.store.put({ name: 'counters', value: counts })
    })
  }

  async progress(): Promise<TelemetryProgress> {
    return this.#db.transaction(['telemetry'], 'readonly', (tx) => readProgress(tx.store))
  }

  async updateProgress(patch: Partial<TelemetryProgress>): Promise<void> {
    await this.#db.transaction(['telemetry'], 'readwrite', async (tx) => {
      await tx.store.put(progressRecord(await readProgress(tx.store), patch))
    })
  }
}

/** The telemetry store as every transaction over it can read it. */
interface TelemetryReader {
  get(name: TelemetryRecord['name']): Promise<TelemetryRecord | undefined>
}

async function hasConsent(store: TelemetryReader): Promise<boolean> {
  return (await store.get('consent'))?.value === true
}

async function readProgress(store: TelemetryReader): Promise<TelemetryProgress> {
  const value = (await store.get('progress'))?.value
  return { ...NO_PROGRESS, ...(isObject(value) ? (value as Partial<TelemetryProgress>) : {}) }
}

function progressRecord(
  current: TelemetryProgress,
  patch: Partial<TelemetryProgress>,
): TelemetryRecord {
  return { name: 'progress', value: { ...current, ...patch } }
}

async function readCounts(store: TelemetryReader): Promise<TelemetryCounts> {
  const empty = emptyTelemetry()
  const value = (await store.get('counters'))?.value
  if (!isObject(value)) return empty
  const stored = value as Partial<TelemetryCounts>
  // Whatever a damaged or older record holds, what leaves the device is well-formed.
  for (const name of TELEMETRY_COUNTERS) {
    empty.counters[name] = wholeCount(stored.counters?.[name])
  }
  empty.reconnectCounts = empty.reconnectCounts.map((_, index) =>
    wholeCount(stored.reconnectCounts?.[index]),
  )
  return empty
}

function bump(value: number): number {
  return Math.min(TELEMETRY_MAX_COUNT, value + 1)
}

function wholeCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    ? Math.min(value, TELEMETRY_MAX_COUNT)
    : 0
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null
}
