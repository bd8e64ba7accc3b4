import {
  CLOCK_TOLERANCE_MS,
  PROOF_MAX_SKEW_SECONDS,
  advanceLastSeen,
  backoffDelay,
  lastSeenAfterVerifiedCheck,
} from '../../src/core/index.ts'
import type { Connectivity, WorkerError } from '../../src/core/index.ts'
import type { LicenseStore } from '../store/LicenseStore.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

export interface CheckMeta {
  connectivity: Connectivity
  failures: number
  /** No automatic re-check before this: backoff, or the server's Retry-After, whichever is later. */
  retryAt: number | null
  /** The server's own Retry-After: honoured even on reconnection and by "Check now". */
  serverRetryAt: number | null
  lastCheckAt: number | null
  lastCheckError: WorkerError | null
  /** How far the server's clock is ahead of ours, learned when a proof was refused as mistimed. */
  clockOffset: number
}

const INITIAL_CHECK_META: CheckMeta = {
  connectivity: 'online',
  failures: 0,
  retryAt: null,
  serverRetryAt: null,
  lastCheckAt: null,
  lastCheckError: null,
  clockOffset: 0,
}

/** A floating license's slot as far as the grant cannot say (#15). */
export interface LeaseMeta {
  /** When the user gave a borrow back on this device, until the server has been told. */
  borrowReturnedAt: number | null
  /** The server's last refusal for every slot being taken, and when it came; cleared by a lease. */
  allInUse: { nextFreeAt: number; maxConcurrent: number; waitingAhead: number; at: number } | null
}

const INITIAL_LEASE_META: LeaseMeta = { borrowReturnedAt: null, allInUse: null }

/** Everything the book keeps, read together: the checks, lastSeen, and whether a deactivation waits. */
export interface CheckRecord {
  check: CheckMeta
  lastSeen: number | null
  pendingDeactivation: boolean
  lease: LeaseMeta
}

/** A check that did not reach our server, or was not answered by it. */
export interface Failure {
  connectivity: Connectivity
  retryAt: number | null
}

// lastSeen is written at most this often: losing a minute of it on a worker kill is far inside the
// clock guard's 5-minute tolerance, and the state endpoint stays free of database writes.
const LAST_SEEN_WRITE_INTERVAL_MS = 60_000

/**
 * What the worker knows of its checks and of time: connectivity, failures and backoff, the
 * server's clock offset, and lastSeen. Read once from the store and kept in memory; every change
 * is written through, lastSeen at most once a minute.
 */
export class CheckBook {
  readonly #store: LicenseStore
  readonly #config: Pick<WorkerConfig, 'now' | 'random' | 'backoff'>
  #record: Promise<CheckRecord> | undefined
  #lastSeenWrittenAt = 0

  constructor(store: LicenseStore, config: Pick<WorkerConfig, 'now' | 'random' | 'backoff'>) {
    this.#store = store
    this.#config = config
  }

  read(): Promise<CheckRecord> {
    this.#record ??= Promise.all([
      this.#store.getMeta<Partial<CheckMeta>>('check', {}),
      this.#store.highWater(),
      this.#store.queued(),
      this.#store.getMeta<Partial<LeaseMeta>>('lease', {}),
    ]).then(([check, highWater, queue, lease]) => ({
      check: { ...INITIAL_CHECK_META, ...check },
      lastSeen: highWater.lastSeen,
      pendingDeactivation: queue.some((item) => item.kind === 'deactivate'),
      lease: { ...INITIAL_LEASE_META, ...lease },
    }))
    this.#record.catch(() => {
      this.#record = undefined
    })
    return this.#record
  }

  /** The queue changed under the book: the next read goes to the store. */
  invalidate(): void {
    this.#record = undefined
  }

  /** Whether the last attempt to reach the server got through. */
  async lastAttemptSucceeded(): Promise<boolean> {
    return (await this.read()).check.failures === 0
  }

  /** The later of the clock and lastSeen: setting the clock back revives no expired certificate. */
  async trustedNow(): Promise<number> {
    const { lastSeen } = await this.read()
    return Math.max(this.#config.now(), lastSeen ?? 0)
  }

  /** Our clock corrected by the offset learned from the server, to date proofs by. */
  async serverNow(): Promise<number> {
    const { clockOffset } = (await this.read()).check
    return this.#config.now() + clockOffset
  }

  /** Moves lastSeen in `record` up to `now`; written to the store at most once a minute. */
  observeTime(record: { lastSeen: number | null }, now: number): void {
    const next = advanceLastSeen(record.lastSeen, now)
    if (next === record.lastSeen) return
    record.lastSeen = next
    if (now - this.#lastSeenWrittenAt >= LAST_SEEN_WRITE_INTERVAL_MS) {
      this.#lastSeenWrittenAt = now
      void this.#store.updateHighWater({ lastSeen: next }).catch(() => undefined)
    }
  }

  /** Moves lastSeen forward to a server time that answers no request of ours (a license file). */
  async advanceLastSeenTo(serverTime: number): Promise<void> {
    const record = await this.read()
    record.lastSeen = advanceLastSeen(record.lastSeen, serverTime, this.#config.now())
    await this.#store.updateHighWater({ lastSeen: record.lastSeen })
  }

  /**
   * Records a check that reached our server. `boundServerTime` (from a grant that answers this
   * very request) may correct a lastSeen pushed ahead by a wrong clock; other times only advance it.
   */
  async recordSuccess(
    boundServerTime: number | null,
    newestServerTime: number,
    refusal: WorkerError | null,
  ): Promise<void> {
    const now = this.#config.now()
    const record = await this.read()
    record.lastSeen =
      boundServerTime !== null
        ? lastSeenAfterVerifiedCheck(boundServerTime, now)
        : advanceLastSeen(record.lastSeen, newestServerTime, now)
    this.#lastSeenWrittenAt = now
    await this.#store.updateHighWater({ lastSeen: record.lastSeen, checkedAt: now })
    // A server whose clock agrees with ours within the tolerance needs no correction of proofs.
    const clockOffset =
      boundServerTime !== null && Math.abs(boundServerTime - now) <= CLOCK_TOLERANCE_MS
        ? 0
        : record.check.clockOffset
    await this.write({
      connectivity: 'online',
      failures: 0,
      retryAt: null,
      serverRetryAt: null,
      lastCheckAt: now,
      lastCheckError: refusal,
      clockOffset,
    })
  }

  /** Records a failed check, and the backoff (or the server's Retry-After) before the next. */
  async recordFailure(failure: Failure, refusal: WorkerError | null = null): Promise<void> {
    const now = this.#config.now()
    const record = await this.read()
    const failures = record.check.failures + 1
    const backoffUntil = now + backoffDelay(failures, this.#config.random, this.#config.backoff)
    await this.write({
      connectivity: failure.connectivity,
      failures,
      retryAt: Math.max(backoffUntil, failure.retryAt ?? 0),
      serverRetryAt: failure.retryAt,
      lastCheckAt: now,
      lastCheckError: refusal,
    })
  }

  /** Changes what the book knows of a floating license's slot. */
  async writeLease(patch: Partial<LeaseMeta>): Promise<void> {
    const record = await this.read()
    record.lease = { ...record.lease, ...patch }
    await this.#store.setMeta('lease', record.lease)
  }

  async write(patch: Partial<CheckMeta>): Promise<void> {
    const record = await this.read()
    record.check = { ...record.check, ...patch }
    await this.#store.setMeta('check', record.check)
  }

  /**
   * A new offset to the server's clock when the clock our proofs were dated by (ours plus the
   * offset in use) is too far off for a proof to pass, else null. Measured against that same
   * clock, so an offset learned while the clock was wrong is unlearned once the user corrects it.
   */
  learnClock(serverTime: number | null, offsetInUse: number): number | null {
    if (serverTime === null) return null
    const now = this.#config.now()
    const drift = serverTime - (now + offsetInUse)
    return Math.abs(drift) > (PROOF_MAX_SKEW_SECONDS * 1000) / 2 ? serverTime - now : null
  }
}
