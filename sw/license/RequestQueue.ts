import { SYNC_TAG, proofNonce } from '../../src/core/index.ts'
import type { ServedLicenseState } from '../../src/core/index.ts'
import type { QueuedRequest } from '../store/LeewayDb.ts'
import type { LicenseStore } from '../store/LicenseStore.ts'
import { fail } from './actionResult.ts'
import type { ActionResult } from './actionResult.ts'
import type { CheckBook } from './CheckBook.ts'
import type { GrantInstaller } from './GrantInstaller.ts'
import type { GrantKeeper } from './GrantKeeper.ts'
import type { ServerLink } from './ServerLink.ts'
import type { StateView } from './StateView.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

type QueueConfig = Pick<WorkerConfig, 'product' | 'now' | 'registerSync'>

interface QueueParts {
  keeper: GrantKeeper
  book: CheckBook
  server: ServerLink
  installer: GrantInstaller
  view: StateView
}

/** The server endpoint and the nonce-bound answer of each kind of queued request. */
const SENT_TO: Record<QueuedRequest['kind'], { path: string; action: 'deactivate' | 'lease' }> = {
  deactivate: { path: '/deactivate', action: 'deactivate' },
  'give-back': { path: '/lease/release', action: 'lease' },
}

/**
 * Requests that work offline (a deactivation, a floating license's slot given back): queued in
 * the store, sent in order when the server can be reached.
 */
export class RequestQueue {
  readonly #store: LicenseStore
  readonly #config: QueueConfig
  readonly #parts: QueueParts
  #replaying: Promise<void> | undefined
  #replayAgain = false

  constructor(store: LicenseStore, config: QueueConfig, parts: QueueParts) {
    this.#store = store
    this.#config = config
    this.#parts = parts
  }

  /** Frees this device's seat; while offline the request is queued and replayed on reconnection. */
  async deactivate(): Promise<ActionResult> {
    const loaded = await this.#parts.keeper.load()
    if (loaded.kind !== 'ok') return fail(409, 'not_activated')
    return this.#sendOrQueue('deactivate', (state) => state.pendingDeactivation)
  }

  /**
   * Gives a floating license's slot back (#15): at once on this device, and to the server now or,
   * while offline, at the next connection. The grant it held stops counting here and now.
   */
  async giveBack(): Promise<ActionResult> {
    const loaded = await this.#parts.keeper.load()
    if (loaded.kind !== 'ok') return fail(409, 'not_activated')
    if (!loaded.claims.flt) return fail(409, 'not_floating')
    if (loaded.claims.lse === 'borrow')
      await this.#parts.book.writeLease({ borrowReturnedAt: this.#config.now() })
    return this.#sendOrQueue('give-back', (state) => state.floating?.returnPending === true)
  }

  /** Queues a request and sends the queue; `waiting` tells from the state whether it is still queued. */
  async #sendOrQueue(
    kind: QueuedRequest['kind'],
    waiting: (state: ServedLicenseState) => boolean,
  ): Promise<ActionResult> {
    await this.#store.enqueue({
      kind,
      product: this.#config.product,
      createdAt: this.#config.now(),
    })
    this.#parts.book.invalidate()
    await this.replay()
    const state = await this.#parts.view.current()
    if (!waiting(state)) return { ok: true, state }
    await this.#config.registerSync(SYNC_TAG).catch(() => undefined)
    return { ok: true, state, queued: true }
  }

  /** Whether a slot given back waits in the queue for the server. */
  async givingBack(): Promise<boolean> {
    return (await this.#store.queued()).some((item) => item.kind === 'give-back')
  }

  /** Sends queued requests in order, one replay at a time; stops at the first that cannot get through. */
  replay(): Promise<void> {
    // A call during a replay asks for one more pass after it: the replay in flight may have
    // started before the network came back, and must not be the last word.
    if (this.#replaying) {
      this.#replayAgain = true
      return this.#replaying
    }
    this.#replaying = (async () => {
      do {
        this.#replayAgain = false
        await this.#sendQueued()
      } while (this.#replayAgain)
    })().finally(() => {
      this.#replaying = undefined
    })
    return this.#replaying
  }

  async #sendQueued(): Promise<void> {
    const { keeper, book, server, installer, view } = this.#parts
    for (const item of await this.#store.queued()) {
      if (item.id === undefined) continue
      const loaded = await keeper.load()
      if (loaded.kind !== 'ok') {
        // Without a readable grant there is nothing to prove the seat with: say so, don't retry.
        await this.#store.dequeue(item.id)
        await book.write({ lastCheckError: { code: 'deactivation_dropped' } })
        continue
      }
      const device = await this.#store.device()
      const { path, action } = SENT_TO[item.kind]
      const proof = await server.prove(loaded.claims, device, server.endpoint(path))
      const answer = await server.call(path, { grant: loaded.stored.grant, proof })
      if (answer.kind === 'ok') {
        const nonce = await proofNonce(proof)
        const installed = await installer.install(answer.body, device, { action, nonce })
        if (!installed.ok) {
          // Not our server's answer: the seat may still be taken, so the request stays queued.
          await this.#store.countAttempt(item.id)
          await book.recordFailure({ connectivity: 'interference', retryAt: null })
          break
        }
      } else if (answer.kind === 'unreachable') {
        await this.#store.countAttempt(item.id)
        await book.recordFailure(answer, answer.code ? { code: answer.code } : null)
        break
      } else {
        // Refused for good (the seat is already free, the grant unknown): recorded, not retried.
        await book.write({ lastCheckError: { code: answer.code, detail: answer.message } })
      }
      await this.#store.dequeue(item.id)
      // The server has the slot back (or will never hold it): the grant it answered says so.
      if (item.kind === 'give-back') await book.writeLease({ borrowReturnedAt: null })
    }
    book.invalidate()
    await view.publish()
  }
}
