import { RECONNECT_BUCKETS_MS, reconnectBucket, utcDay } from '../../src/core/index.ts'
import type { LicenseStatus, TelemetryCounter, TelemetryReport } from '../../src/core/index.ts'
import type { TelemetryCounts, TelemetryStore } from '../store/TelemetryStore.ts'

/** A report on its way, with what must be taken off the counters once the server accepts it. */
export interface PendingReport {
  report: TelemetryReport
  sent: TelemetryCounts
}

/**
 * Turns what the worker sees into opt-in counters, and counters into at most one report a day.
 * Telemetry never gets in the way of licensing: every method swallows its own storage errors.
 */
export class TelemetryRecorder {
  readonly #store: TelemetryStore
  /** The status last seen, cached so that a state answer costs no database write unless it changed. */
  #lastStatus: Promise<string | null> | undefined

  constructor(store: TelemetryStore) {
    this.#store = store
  }

  consent(): Promise<boolean> {
    return this.#store.consent()
  }

  async setConsent(optIn: boolean): Promise<void> {
    await this.#store.setConsent(optIn)
  }

  /** An app start (a page load), online or offline as the worker knows it then. */
  async appStarted(online: boolean): Promise<void> {
    await this.#count(online ? 'startsOnline' : 'startsOffline')
  }

  /** The outcome of a re-check: a fresh grant from our server, or anything else. */
  async recheckEnded(ok: boolean): Promise<void> {
    await this.#count(ok ? 'rechecksOk' : 'rechecksFailed')
  }

  /** A revocation by the vendor reached this device (not its own deactivation). */
  async revocationSeen(): Promise<void> {
    await this.#count('revocationsSeen')
  }

  /**
   * The status the worker answered with. Grace entered is active → grace; grace ended (features
   * paused) is grace → limited; active → limited, seen only afterwards, is both.
   */
  async observeStatus(status: LicenseStatus): Promise<void> {
    try {
      this.#lastStatus ??= this.#store.progress().then((progress) => progress.lastStatus)
      const previous = await this.#lastStatus
      if (previous === status) return
      this.#lastStatus = Promise.resolve(status)
      await this.#store.updateProgress({ lastStatus: status })
      if (previous === 'active' && (status === 'grace' || status === 'limited'))
        await this.#count('graceEntered')
      if ((previous === 'grace' || previous === 'active') && status === 'limited')
        await this.#count('graceEnded')
    } catch {
      this.#lastStatus = undefined
    }
  }

  /** The network came back after a failed check: the clock to a fresh grant starts, once. */
  async reconnected(now: number): Promise<void> {
    try {
      if ((await this.#store.progress()).reconnectedAt !== null) return
      if (!(await this.#store.consent())) return
      await this.#store.updateProgress({ reconnectedAt: now })
    } catch {
      // Telemetry is never worth a failed re-check.
    }
  }

  /** A fresh grant arrived: if a reconnection was pending, its duration goes into the histogram. */
  async freshGrant(now: number): Promise<void> {
    try {
      const { reconnectedAt } = await this.#store.progress()
      if (reconnectedAt === null) return
      await this.#store.updateProgress({ reconnectedAt: null })
      await this.#store.count({
        reconnectBucket: reconnectBucket(Math.max(0, now - reconnectedAt)),
      })
    } catch {
      // As above.
    }
  }

  /**
   * The report for the next `validate` call, or null: only with consent, only if something was
   * counted, and only if no report was accepted yet on this UTC day.
   */
  async pendingReport(product: string, now: number): Promise<PendingReport | null> {
    try {
      if (!(await this.#store.consent())) return null
      const { sentDay } = await this.#store.progress()
      if (sentDay !== null && utcDay(now) <= sentDay) return null
      const sent = await this.#store.counts()
      const total =
        Object.values(sent.counters).reduce((sum, value) => sum + value, 0) +
        sent.reconnectCounts.reduce((sum, value) => sum + value, 0)
      if (total === 0) return null
      return {
        report: {
          product,
          counters: { ...sent.counters },
          reconnectToFresh: {
            bucketsMs: [...RECONNECT_BUCKETS_MS],
            counts: [...sent.reconnectCounts],
          },
        },
        sent,
      }
    } catch {
      return null
    }
  }

  /** The server accepted the report on `day` (its UTC day): those counts are cleared. */
  async accepted(pending: PendingReport, day: string): Promise<void> {
    try {
      await this.#store.subtract(pending.sent)
      await this.#store.updateProgress({ sentDay: day })
    } catch {
      // Not cleared: sent again tomorrow, counted twice at worst.
    }
  }

  async #count(counter: TelemetryCounter): Promise<void> {
    try {
      await this.#store.count({ counter })
    } catch {
      // As above.
    }
  }
}
