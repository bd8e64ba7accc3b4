import { APP_START_PARAM } from '../core/index.ts'
import type { ServedLicenseState, StateMessage } from '../core/index.ts'

type Subscriber = (state: ServedLicenseState | null) => void

// A state changes with time alone (grace begins, grace ends): the store asks again at the next
// moment the state names, and at least this often, so the page never shows a stale promise.
const MAX_REFRESH_INTERVAL_MS = 60_000
const MIN_REFRESH_INTERVAL_MS = 250

/**
 * The one place the page learns the license state: it asks the worker, then follows its
 * broadcasts, so every tab shows the same thing. Implements Svelte's store contract (`$license`).
 */
export class LicenseStateStore {
  readonly #stateUrl: string
  readonly #channelName: string
  readonly #fetch: typeof fetch
  #state: ServedLicenseState | null = null
  readonly #subscribers = new Set<Subscriber>()
  #channel: BroadcastChannel | undefined
  #refreshTimer: ReturnType<typeof setTimeout> | undefined
  /** Counts states set, so an answer to an older question never replaces a newer state. */
  #version = 0
  /** Until the worker has answered once: that first answer counts as this page load's app start. */
  #startUncounted = true

  /** `stateUrl`: the worker's state endpoint; `channelName`: the channel it broadcasts on. */
  constructor(stateUrl: string, channelName: string, fetchImpl: typeof fetch) {
    this.#stateUrl = stateUrl
    this.#channelName = channelName
    this.#fetch = fetchImpl
  }

  /** Starts following the worker's broadcasts and loads the state once. */
  start(): void {
    if (this.#channel) return
    this.#channel = new BroadcastChannel(this.#channelName)
    this.#channel.addEventListener('message', (event: MessageEvent<StateMessage>) => {
      if (event.data?.type === 'state') this.set(event.data.state)
    })
    void this.refresh()
  }

  /** Stops following the worker (the state kept stays readable). */
  stop(): void {
    clearTimeout(this.#refreshTimer)
    this.#channel?.close()
    this.#channel = undefined
  }

  /** Asks the worker for the state now; it answers from its store without waiting for the network. */
  async refresh(): Promise<ServedLicenseState | null> {
    // A page no worker controls yet (the very first load) would ask the server, which answers 404
    // for these paths and logs an error in the console: the client asks again on controllerchange.
    if (uncontrolledPage()) return this.#state
    const asked = this.#version
    const url = this.#startUncounted ? `${this.#stateUrl}?${APP_START_PARAM}=1` : this.#stateUrl
    try {
      const response = await this.#fetch(url, { cache: 'no-store' })
      const state = response.ok ? ((await response.json()) as ServedLicenseState) : null
      if (state) this.#startUncounted = false
      // A broadcast or an action that landed while this answer travelled is newer: keep it.
      if (state && this.#version === asked) this.set(state)
    } catch {
      // No worker yet (first load before it controls the page): the broadcast will bring the state.
    }
    return this.#state
  }

  set(state: ServedLicenseState): void {
    this.#version += 1
    this.#state = state
    for (const subscriber of this.#subscribers) subscriber(state)
    if (this.#channel) this.#scheduleRefresh(state)
  }

  #scheduleRefresh(state: ServedLicenseState): void {
    clearTimeout(this.#refreshTimer)
    const now = Date.now()
    const moments = [
      state.nextCheckAt,
      state.graceEndsAt,
      state.termEndsAt,
      state.criticalUntil,
      state.retryAt,
    ]
    const next = Math.min(
      ...moments.filter((moment): moment is number => moment !== null && moment > now),
    )
    const delay = Math.min(
      MAX_REFRESH_INTERVAL_MS,
      Math.max(MIN_REFRESH_INTERVAL_MS, next - now + 50),
    )
    this.#refreshTimer = setTimeout(() => void this.refresh(), delay)
  }

  get current(): ServedLicenseState | null {
    return this.#state
  }

  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber)
    subscriber(this.#state)
    return () => this.#subscribers.delete(subscriber)
  }

  /** Whether `feature` works now; false until the state is known. */
  hasFeature(feature: string): boolean {
    return this.#state?.features[feature] === true
  }
}

function uncontrolledPage(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    navigator.serviceWorker?.controller === null
  )
}
