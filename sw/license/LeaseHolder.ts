import { isLeaseDue, proofNonce } from '../../src/core/index.ts'
import type { LicenseStore } from '../store/LicenseStore.ts'
import { fail } from './actionResult.ts'
import type { ActionResult } from './actionResult.ts'
import type { CheckBook } from './CheckBook.ts'
import type { GrantInstaller } from './GrantInstaller.ts'
import type { GrantKeeper } from './GrantKeeper.ts'
import type { RequestQueue } from './RequestQueue.ts'
import type { ServerLink } from './ServerLink.ts'
import type { StateView } from './StateView.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

type LeaseConfig = Pick<WorkerConfig, 'now' | 'openWindows'>

interface LeaseParts {
  keeper: GrantKeeper
  book: CheckBook
  server: ServerLink
  installer: GrantInstaller
  view: StateView
  queue: RequestQueue
}

/**
 * What a lease call came to: `held` (a lease or borrow is installed), `refused` (all slots are
 * taken, or the request was wrong: the failure says which), `unreachable`, or `check` (the server
 * refused for a reason a re-check explains with a signed grant: a revocation, a suspension, a
 * device no longer registered; the caller re-checks).
 */
export type LeaseOutcome =
  | { kind: 'held'; result: ActionResult }
  | { kind: 'refused' | 'unreachable' | 'check'; result: ActionResult }

// After "all in use", an open app asks again on its own at most this often, which also keeps its
// place in line (the server drops a wait not renewed within 3 minutes); "Try again" any time.
const ALL_IN_USE_RETRY_MS = 50_000
// How long a closing page waits before counting the windows left: a reload's new page opens by then.
const CLOSING_GRACE_MS = 1_500

/**
 * A floating license's slot on this device (#15, docs/floating.md): taken and renewed at half its
 * length while the app is open, borrowed for offline work, and released when the last window of
 * the app closes. Each answer is a grant installed like an activation's, bound to its request.
 */
export class LeaseHolder {
  readonly #store: LicenseStore
  readonly #config: LeaseConfig
  readonly #parts: LeaseParts
  #taking: Promise<LeaseOutcome> | undefined

  constructor(store: LicenseStore, config: LeaseConfig, parts: LeaseParts) {
    this.#store = store
    this.#config = config
    this.#parts = parts
  }

  /**
   * Whether this product's grant is floating and the app, open in a window now, should take or
   * renew its lease, outside the pause that follows an "all in use" answer.
   */
  async wanted(): Promise<boolean> {
    const { keeper, book } = this.#parts
    const loaded = await keeper.load()
    if (loaded.kind !== 'ok' || !loaded.claims.flt) return false
    const now = this.#config.now()
    const { lease } = await book.read()
    const returned = lease.borrowReturnedAt !== null && loaded.claims.lse === 'borrow'
    if (!returned && !isLeaseDue(loaded.claims, now)) return false
    if (lease.allInUse && now - lease.allInUse.at < ALL_IN_USE_RETRY_MS) return false
    return (await this.#config.openWindows()).length > 0
  }

  /** Takes a lease, or renews the one held; one call at a time, a second caller shares it. */
  take(): Promise<LeaseOutcome> {
    this.#taking ??= this.#take().finally(() => {
      this.#taking = undefined
    })
    return this.#taking
  }

  /** Holds a slot for offline work until `until` (epoch ms). Needs the server. */
  async borrow(until: number): Promise<LeaseOutcome> {
    const blocked = await this.#returnFirst()
    if (blocked) return blocked
    const outcome = await this.#call('/lease/borrow', { until })
    if (outcome.kind === 'held') await this.#parts.book.writeLease({ borrowReturnedAt: null })
    return outcome
  }

  /**
   * A page of the app is going away: when no other window is left after a moment (a reload opens
   * its new page by then), the lease goes back to the pool at once. A borrow is kept; a release
   * that cannot get through is not queued, the lease lapses by itself.
   */
  async closing(closingWindow: string | null): Promise<void> {
    await sleep(CLOSING_GRACE_MS)
    const others = (await this.#config.openWindows()).filter((id) => id !== closingWindow)
    if (others.length > 0) return
    const loaded = await this.#parts.keeper.load()
    if (loaded.kind !== 'ok' || loaded.claims.lse !== 'lease') return
    const endsAt = (loaded.claims.exp ?? 0) * 1000
    if (this.#config.now() >= endsAt) return
    await this.#call('/lease/release', {})
  }

  async #take(): Promise<LeaseOutcome> {
    const blocked = await this.#returnFirst()
    if (blocked) return blocked
    const outcome = await this.#call('/lease', {})
    if (outcome.kind === 'held') await this.#parts.book.writeLease({ allInUse: null })
    return outcome
  }

  /**
   * A slot given back offline goes to the server before any new lease or borrow: sent after one,
   * the queued release would end it. Answers the failure when it still cannot get through.
   */
  async #returnFirst(): Promise<LeaseOutcome | null> {
    const { queue } = this.#parts
    if (!(await queue.givingBack())) return null
    await queue.replay()
    if (!(await queue.givingBack())) return null
    return { kind: 'unreachable', result: fail(503, 'offline') }
  }

  async #call(path: string, extra: Record<string, unknown>): Promise<LeaseOutcome> {
    const { keeper, book, server, installer, view } = this.#parts
    const loaded = await keeper.load()
    if (loaded.kind !== 'ok') return { kind: 'refused', result: fail(409, 'not_activated') }
    if (!loaded.claims.flt) return { kind: 'refused', result: fail(409, 'not_floating') }
    const device = await this.#store.device()
    const proof = await server.prove(loaded.claims, device, server.endpoint(path))
    const answer = await server.call(path, { grant: loaded.stored.grant, proof, ...extra })
    if (answer.kind === 'unreachable') {
      await book.recordFailure(answer, answer.code ? { code: answer.code } : null)
      await view.publish()
      if (answer.status === 429) return unreachable(fail(429, 'rate_limited', answer.retryAt))
      if (answer.code) return unreachable(fail(503, answer.code))
      if (answer.connectivity === 'offline') return unreachable(fail(503, 'offline'))
      if (answer.connectivity === 'interference') return unreachable(fail(503, 'interference'))
      return unreachable(fail(503, 'server_error', answer.retryAt))
    }
    if (answer.kind === 'api-error') {
      const { status, code, message, details } = answer
      const result: ActionResult = {
        ok: false,
        status,
        code,
        detail: message,
        ...(details ? { details } : {}),
      }
      if (code === 'all_leases_in_use' && details && 'nextFreeAt' in details) {
        const { nextFreeAt, maxConcurrent, waitingAhead } = details as {
          nextFreeAt: number
          maxConcurrent: number
          waitingAhead?: number
        }
        await book.writeLease({
          allInUse: {
            nextFreeAt,
            maxConcurrent,
            waitingAhead: waitingAhead ?? 0,
            at: this.#config.now(),
          },
        })
        await view.publish()
        return { kind: 'refused', result }
      }
      if (code === 'bad_request' || code === 'rate_limited') return { kind: 'refused', result }
      // Revoked, suspended, expired, no longer registered: a re-check brings the signed word.
      return { kind: 'check', result }
    }
    const nonce = await proofNonce(proof)
    const result = await installer.install(answer.body, device, { action: 'lease', nonce })
    return result.ok ? { kind: 'held', result } : { kind: 'refused', result }
  }
}

const unreachable = (result: ActionResult): LeaseOutcome => ({ kind: 'unreachable', result })

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))
