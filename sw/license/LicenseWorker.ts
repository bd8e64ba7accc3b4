import { DEVICE_ENDPOINTS, endpointMatches } from '../../src/core/index.ts'
import type {
  ProofEndpoint,
  RequestCodeResponse,
  ServedLicenseState,
} from '../../src/core/index.ts'
import type { LicenseStore } from '../store/LicenseStore.ts'
import { fail } from './actionResult.ts'
import type { ActionFailure, ActionResult } from './actionResult.ts'
import { Activation } from './Activation.ts'
import { CheckBook } from './CheckBook.ts'
import { RequestQueue } from './RequestQueue.ts'
import { GrantInstaller } from './GrantInstaller.ts'
import { GrantKeeper } from './GrantKeeper.ts'
import { LeaseHolder } from './LeaseHolder.ts'
import { Rechecker } from './Rechecker.ts'
import { ServerLink } from './ServerLink.ts'
import { StateView } from './StateView.ts'
import { TelemetryRecorder } from './TelemetryRecorder.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

export type { WorkerConfig } from './WorkerConfig.ts'

/**
 * The license logic of the service worker: answers state from the store at once, re-checks in the
 * background (one at a time, with backoff), and applies only what the pinned root's keys signed.
 * Each concern is a part of its own; this class puts them together for the routes and events.
 */
export class LicenseWorker {
  readonly #store: LicenseStore
  readonly #config: WorkerConfig
  readonly #telemetry: TelemetryRecorder
  readonly #book: CheckBook
  readonly #keeper: GrantKeeper
  readonly #server: ServerLink
  readonly #view: StateView
  readonly #activation: Activation
  readonly #queue: RequestQueue
  readonly #rechecker: Rechecker
  readonly #leases: LeaseHolder

  constructor(store: LicenseStore, config: WorkerConfig) {
    this.#store = store
    this.#config = config
    const telemetry = new TelemetryRecorder(store.telemetry)
    const book = new CheckBook(store, config)
    const keeper = new GrantKeeper(store, config, book, telemetry)
    const server = new ServerLink(config, book)
    const view = new StateView(keeper, book, telemetry, config)
    const installer = new GrantInstaller(config.product, keeper, book, view)
    const queue = new RequestQueue(store, config, { keeper, book, server, installer, view })
    this.#telemetry = telemetry
    this.#book = book
    this.#keeper = keeper
    this.#server = server
    this.#view = view
    this.#activation = new Activation(store, config, { book, server, installer })
    this.#queue = queue
    const leases = new LeaseHolder(store, config, { keeper, book, server, installer, view, queue })
    this.#leases = leases
    this.#rechecker = new Rechecker(store, config, {
      keeper,
      book,
      server,
      telemetry,
      view,
      queue,
      leases,
    })
  }

  /** The current state, from memory or the store; never waits for the network. */
  state(): Promise<ServedLicenseState> {
    return this.#view.current()
  }

  /** A state that says only why there is none, for when the store itself cannot be opened. */
  unavailableState(problem: string): ServedLicenseState {
    return this.#view.unavailable(problem)
  }

  /**
   * Starts a background re-check if one is due and allowed; the promise, for `waitUntil`, ends
   * with it. `reconnected` skips the backoff delay, never the server's `Retry-After`.
   */
  recheckIfDue(options: { reconnected?: boolean } = {}): Promise<void> | undefined {
    return this.#rechecker.recheckIfDue(options)
  }

  /** Re-checks now ("Check now"); a second caller gets the re-check in flight. */
  recheck(): Promise<void> {
    return this.#rechecker.recheck()
  }

  /** Runs `work` as the handler of a Background Sync event, which must not ask for another. */
  withinSyncEvent<T>(work: () => Promise<T>): Promise<T> {
    return this.#rechecker.withinSyncEvent(work)
  }

  /** Whether the last attempt to reach the server got through. */
  lastAttemptSucceeded(): Promise<boolean> {
    return this.#book.lastAttemptSucceeded()
  }

  /** Online activation with a license key. */
  activate(licenseKey: string, deviceName: string): Promise<ActionResult> {
    return this.#activation.activate(licenseKey, deviceName)
  }

  /** The printable request code for air-gapped activation; needs no network. */
  requestCode(deviceName: string): Promise<RequestCodeResponse> {
    return this.#activation.requestCode(deviceName)
  }

  /** Installs a license file made by `leeway offline-activate`; verified offline against the pinned root. */
  importLicenseFile(text: unknown): Promise<ActionResult> {
    return this.#activation.importLicenseFile(text)
  }

  /** Frees this device's seat; while offline the request is queued and replayed on reconnection. */
  deactivate(): Promise<ActionResult> {
    return this.#queue.deactivate()
  }

  /**
   * Takes a floating license's lease now ("Try again"); a refusal the server explains with a signed
   * grant (a revocation) is followed by a re-check, so the state shows it.
   */
  async takeLease(): Promise<ActionResult> {
    const outcome = await this.#leases.take()
    if (outcome.kind === 'check') await this.#rechecker.recheck()
    return outcome.result
  }

  /** Holds a floating license's slot for offline work until `until` (epoch ms); needs the server. */
  async borrow(until: number): Promise<ActionResult> {
    const outcome = await this.#leases.borrow(until)
    if (outcome.kind === 'check') await this.#rechecker.recheck()
    return outcome.result
  }

  /** Gives a floating license's slot back; while offline it is queued, and stops here at once. */
  giveBack(): Promise<ActionResult> {
    return this.#queue.giveBack()
  }

  /** A window of the app is closing: the lease goes back if it was the last one. */
  closing(windowId: string | null): Promise<void> {
    return this.#leases.closing(windowId)
  }

  /** Sends queued requests in order; stops at the first that cannot get through. */
  replayQueue(): Promise<void> {
    return this.#queue.replay()
  }

  /** The user's telemetry choice: counters are kept only with it, and a "no" clears them. */
  async setTelemetry(optIn: boolean): Promise<{ optIn: boolean }> {
    await this.#telemetry.setConsent(optIn)
    return { optIn }
  }

  /** Whether the user agreed to telemetry; off until they do. */
  async telemetry(): Promise<{ optIn: boolean }> {
    return { optIn: await this.#telemetry.consent() }
  }

  /** The app was opened (a page load): counted as a start online or offline, with consent. */
  async appStarted(): Promise<void> {
    const record = await this.#book.read()
    await this.#telemetry.appStarted(
      this.#config.onLine() && record.check.connectivity === 'online',
    )
  }

  /**
   * The stored grant with a fresh, single-use proof of possession, for the app's own online
   * features (the demo's shared links): the app's server verifies both as it verifies a re-check.
   */
  async holderProof(
    endpoint: ProofEndpoint,
  ): Promise<{ ok: true; grant: string; proof: string } | ActionFailure> {
    // A script in the page may ask for proofs; none that could free the seat or stand in for a
    // check of this worker's own.
    if (DEVICE_ENDPOINTS.some((device) => endpointMatches(endpoint.htu, device.htu)))
      return fail(403, 'forbidden_request')
    const loaded = await this.#keeper.load()
    if (loaded.kind !== 'ok') return fail(409, 'not_activated')
    const proof = await this.#server.prove(loaded.claims, await this.#store.device(), endpoint)
    return { ok: true, grant: loaded.stored.grant, proof }
  }
}
