import { SYNC_TAG, checksIn, isRecheckDue, proofNonce } from '../../src/core/index.ts'
import type { WorkerError } from '../../src/core/index.ts'
import type { DeviceIdentity, LicenseStore } from '../store/LicenseStore.ts'
import type { CheckBook } from './CheckBook.ts'
import type { RequestQueue } from './RequestQueue.ts'
import type { GrantKeeper, LoadedGrant } from './GrantKeeper.ts'
import type { LeaseHolder } from './LeaseHolder.ts'
import { readValidation } from './readValidation.ts'
import type { ServerLink } from './ServerLink.ts'
import type { StateView } from './StateView.ts'
import type { PendingReport, TelemetryRecorder } from './TelemetryRecorder.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

type RecheckConfig = Pick<WorkerConfig, 'product' | 'now' | 'onLine' | 'registerSync'>

interface RecheckParts {
  keeper: GrantKeeper
  book: CheckBook
  server: ServerLink
  telemetry: TelemetryRecorder
  view: StateView
  queue: RequestQueue
  leases: LeaseHolder
}

/** What one check sent must be answered with: a grant bound to its proof, for its product. */
interface SentCheck {
  nonce: string
  product: string
}

// A worker that starts re-checks at once, while online, if the last successful check is older than
// this: browsers restart idle workers every minute, and each start must not be a check.
const START_RECHECK_AFTER_MS = 10 * 60_000

/** Re-checks in the background: when due, one at a time, with backoff and the server's Retry-After. */
export class Rechecker {
  readonly #store: LicenseStore
  readonly #config: RecheckConfig
  readonly #parts: RecheckParts
  #inFlight: Promise<void> | undefined
  #syncEvents = 0
  /** Until the first automatic re-check decision of this worker while online (see #checkAtStart). */
  #startPending = true

  constructor(store: LicenseStore, config: RecheckConfig, parts: RecheckParts) {
    this.#store = store
    this.#config = config
    this.#parts = parts
  }

  /**
   * Starts a background re-check if one is due and allowed. The promise, for `waitUntil`, ends
   * when the re-check it started (if any) has; undefined while one is already in flight.
   * `reconnected` (the network came back) skips the backoff delay, never the server's Retry-After.
   */
  recheckIfDue(options: { reconnected?: boolean } = {}): Promise<void> | undefined {
    if (this.#inFlight) return undefined
    const starting = this.#startPending && this.#config.onLine()
    if (starting) this.#startPending = false
    return this.#recheckWhenDue(options.reconnected === true, starting)
  }

  /**
   * Re-verifies every stored grant in one `validate` call. Only one runs at a time: a second
   * caller gets the one in flight. The server's `Retry-After` holds even for "Check now".
   */
  recheck(): Promise<void> {
    this.#inFlight ??= this.#recheckUnlessTold().finally(() => {
      this.#inFlight = undefined
    })
    return this.#inFlight
  }

  /** Runs `work` as the handler of a Background Sync event (see #recheckOnce). */
  async withinSyncEvent<T>(work: () => Promise<T>): Promise<T> {
    this.#syncEvents += 1
    try {
      return await work()
    } finally {
      this.#syncEvents -= 1
    }
  }

  async #recheckWhenDue(reconnected: boolean, starting: boolean): Promise<void> {
    const { keeper, book, telemetry } = this.#parts
    const now = this.#config.now()
    const [loaded, record] = await Promise.all([keeper.load(), book.read()])
    if (loaded.kind !== 'ok') return
    if (reconnected && record.check.failures > 0) await telemetry.reconnected(now)
    const notBefore = reconnected ? record.check.serverRetryAt : record.check.retryAt
    if (notBefore !== null && now < notBefore) return
    const due =
      (await this.#parts.leases.wanted()) ||
      record.check.failures > 0 ||
      isRecheckDue(loaded.claims, now) ||
      (starting && (await this.#checkAtStart(loaded, now)))
    if (due) await this.recheck()
  }

  /**
   * Whether a worker that has just started should check before the grant is due: the grant looked
   * rolled back, or the last successful check is 10 minutes old or more. Only a fresh signed answer
   * undoes a rollback no record can show (the whole store written back at once); the sealed time
   * of the last success keeps this to one check per 10 minutes, though browsers restart idle
   * workers every minute.
   */
  async #checkAtStart(loaded: LoadedGrant, now: number): Promise<boolean> {
    if (!checksIn(loaded.claims)) return false
    if (loaded.integrity !== 'sound') return true
    const { checkedAt } = await this.#store.highWater()
    return checkedAt === null || Math.abs(now - checkedAt) >= START_RECHECK_AFTER_MS
  }

  async #recheckUnlessTold(): Promise<void> {
    const { book, queue, view } = this.#parts
    const before = await book.read()
    if (before.check.serverRetryAt !== null && this.#config.now() < before.check.serverRetryAt)
      return
    // A floating license in use takes or renews its lease, which answers as a re-check does; only
    // a refusal that a signed grant explains (revoked, suspended) goes on to validate.
    const leased = (await this.#parts.leases.wanted())
      ? (await this.#parts.leases.take()).kind !== 'check'
      : false
    // A refusal of a mistimed proof teaches the server's clock; one retry then uses it.
    if (!leased && (await this.#recheckOnce()) === 'retry') await this.#recheckOnce()
    // The server answered: whatever waited for the network goes now.
    const after = await book.read()
    if (after.check.failures === 0 && after.pendingDeactivation) await queue.replay()
    await view.publish()
  }

  async #recheckOnce(): Promise<'done' | 'retry'> {
    const { keeper, book, server, telemetry } = this.#parts
    const device = await this.#store.device()
    const checks: { grant: string; proof: string }[] = []
    /** What each check's answer must be bound to: its proof's nonce, and its grant's product. */
    const bindings: SentCheck[] = []
    let ownProduct = false
    for (const product of await this.#store.products()) {
      const loaded = await keeper.loadFor(product, device)
      if (loaded.kind !== 'ok') continue
      const proof = await server.prove(loaded.claims, device, server.endpoint('/validate'))
      checks.push({ grant: loaded.stored.grant, proof })
      bindings.push({ nonce: await proofNonce(proof), product: loaded.claims.aud })
      if (loaded.claims.aud === this.#config.product) ownProduct = true
    }
    if (checks.length === 0) return 'done'
    // Opt-in counters ride along, at most once a (UTC) day, and only beside this product's grant.
    const report = ownProduct
      ? await telemetry.pendingReport(this.#config.product, await book.trustedNow())
      : null
    const answer = await server.call('/validate', {
      checks,
      ...(report ? { telemetry: report.report } : {}),
    })
    if (answer.kind === 'unreachable') {
      await book.recordFailure(answer, answer.code ? { code: answer.code } : null)
      await telemetry.recheckEnded(false)
      // Background Sync waits for the network: worth asking only when the network failed, and
      // never from inside a sync event, which Chromium would fire again at once (a retry storm).
      if (answer.connectivity === 'offline' && this.#syncEvents === 0) {
        await this.#config.registerSync(SYNC_TAG).catch(() => undefined)
      }
      return 'done'
    }
    if (answer.kind === 'api-error') {
      await book.recordFailure(
        { connectivity: 'server-error', retryAt: answer.retryAt },
        { code: answer.code, detail: answer.message },
      )
      await telemetry.recheckEnded(false)
      return 'done'
    }
    const outcome = await this.#applyValidation(answer.body, device, bindings, report)
    if (outcome === 'retry') return 'retry'
    await telemetry.recheckEnded(outcome === 'ok')
    return 'done'
  }

  async #applyValidation(
    body: Record<string, unknown>,
    device: DeviceIdentity,
    sent: readonly SentCheck[],
    report: PendingReport | null,
  ): Promise<'ok' | 'failed' | 'retry'> {
    const { keeper, book, telemetry } = this.#parts
    const answer = readValidation(body, sent.length)
    if (!answer) {
      await book.recordFailure({ connectivity: 'interference', retryAt: null })
      return 'failed'
    }
    let boundServerTime: number | null = null
    let newestIat = 0
    let refusal: WorkerError | null = null
    for (const [index, entry] of answer.entries.entries()) {
      if (entry.kind === 'refused') {
        refusal = { code: entry.code, detail: entry.message }
        continue
      }
      const check = sent[index]
      const applied = await keeper.apply({ grant: entry.grant, certs: answer.certs }, device, check)
      if (applied.kind === 'rejected' && applied.code === 'product_mismatch') {
        // Signed by our server, but not for the license this check was for: kept out, like a refusal.
        refusal = { code: applied.code }
        continue
      }
      if (applied.kind === 'rejected') {
        // A 200 whose grant does not verify is not from our server (or not from one whose root
        // this build pins): never let it change anything.
        await book.recordFailure(
          {
            connectivity: applied.code === 'root_key_mismatch' ? 'server-error' : 'interference',
            retryAt: null,
          },
          applied.code === 'root_key_mismatch' ? { code: applied.code } : null,
        )
        return 'failed'
      }
      newestIat = Math.max(newestIat, applied.claims.iat)
      // Only an answer to this very request may move lastSeen back (a clock once set too far
      // ahead); an old answer replayed by the network carries another nonce.
      if (applied.claims.nonce === check?.nonce) {
        boundServerTime = Math.max(boundServerTime ?? 0, applied.claims.iat * 1000)
      }
    }
    if (refusal && newestIat === 0) {
      const offset =
        refusal.code === 'proof_invalid'
          ? book.learnClock(answer.serverTime, (await book.read()).check.clockOffset)
          : null
      if (offset !== null) {
        await book.write({ clockOffset: offset })
        return 'retry'
      }
      await book.recordFailure({ connectivity: 'online', retryAt: null }, refusal)
      return 'failed'
    }
    await book.recordSuccess(boundServerTime, newestIat * 1000, refusal)
    await telemetry.freshGrant(this.#config.now())
    const receipt = body.telemetry as { accepted?: unknown; day?: unknown } | undefined
    if (
      report &&
      receipt?.accepted === true &&
      typeof receipt.day === 'string' &&
      /^\d{4}-\d{2}-\d{2}$/.test(receipt.day)
    ) {
      await telemetry.accepted(report, receipt.day)
    }
    return 'ok'
  }
}
