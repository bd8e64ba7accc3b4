import { evaluate } from '../../src/core/index.ts'
import type { Connectivity, ServedLicenseState } from '../../src/core/index.ts'
import type { CheckBook } from './CheckBook.ts'
import type { GrantKeeper, Loaded } from './GrantKeeper.ts'
import type { TelemetryRecorder } from './TelemetryRecorder.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

/** The license state as the worker serves it: the grant evaluated, with what it knows of its checks. */
export class StateView {
  readonly #keeper: GrantKeeper
  readonly #book: CheckBook
  readonly #telemetry: TelemetryRecorder
  readonly #config: Pick<WorkerConfig, 'now' | 'onLine' | 'broadcast'>

  constructor(
    keeper: GrantKeeper,
    book: CheckBook,
    telemetry: TelemetryRecorder,
    config: Pick<WorkerConfig, 'now' | 'onLine' | 'broadcast'>,
  ) {
    this.#keeper = keeper
    this.#book = book
    this.#telemetry = telemetry
    this.#config = config
  }

  /** The current state, from memory or the store; never waits for the network. */
  async current(): Promise<ServedLicenseState> {
    const now = this.#config.now()
    const [loaded, record] = await Promise.all([this.#keeper.load(), this.#book.read()])
    const connectivity: Connectivity = this.#config.onLine() ? record.check.connectivity : 'offline'
    const state = evaluate({
      grant: loaded.kind === 'ok' ? loaded.claims : null,
      now,
      lastSeen: record.lastSeen,
      connectivity,
      problem: loaded.kind === 'invalid' ? loaded.problem : integrityProblem(loaded),
      storeSuspect:
        loaded.kind === 'ok' &&
        (loaded.integrity === 'rolled_back' || loaded.integrity === 'last_seen_missing'),
      lease: {
        borrowReturnedAt: record.lease.borrowReturnedAt,
        allInUse: record.lease.allInUse && {
          nextFreeAt: record.lease.allInUse.nextFreeAt,
          waitingAhead: record.lease.allInUse.waitingAhead,
        },
      },
    })
    this.#book.observeTime(record, now)
    if (loaded.kind === 'ok') await this.#telemetry.observeStatus(state.status)
    return {
      ...state,
      pendingDeactivation: record.pendingDeactivation,
      lastCheckAt: record.check.lastCheckAt,
      lastCheckError: record.check.lastCheckError,
      retryAt: record.check.retryAt,
      keyId: loaded.kind === 'ok' ? loaded.keyId : null,
    }
  }

  /** The current state, sent to every tab too. */
  async publish(): Promise<ServedLicenseState> {
    const state = await this.current()
    this.#config.broadcast(state)
    return state
  }

  /** A state that says only why there is none, for when the store itself cannot be opened. */
  unavailable(problem: string): ServedLicenseState {
    const state = evaluate({
      grant: null,
      now: this.#config.now(),
      problem,
      connectivity: 'offline',
    })
    return {
      ...state,
      pendingDeactivation: false,
      lastCheckAt: null,
      lastCheckError: null,
      retryAt: null,
      keyId: null,
    }
  }
}

/** The state's `problem` for a grant the high-water record did not vouch for, else null. */
function integrityProblem(loaded: Loaded): string | null {
  if (loaded.kind !== 'ok' || loaded.integrity === 'sound') return null
  return loaded.integrity === 'last_seen_missing' ? 'last_seen_missing' : 'grant_rolled_back'
}
