import { BROADCAST_CHANNEL, LICENSE_ENDPOINTS } from '../core/index.ts'
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
  #state: ServedLicenseState | null = null
  readonly #subscribers = new Set<Subscriber>()
  #channel: BroadcastChannel | undefined
  #refreshTimer: ReturnType<typeof setTimeout> | undefined
  /** Counts states set, so an answer to an older question never replaces a newer state. */
  #version = 0

  /** Starts following the worker's broadcasts and loads the state once. */
  start(): void {
    if (this.#channel) return
    this.#channel = new BroadcastChannel(BROADCAST_CHANNEL)
    this.#channel.addEventListener('message', (event: MessageEvent<StateMessage>) => {
      if (event.data?.type === 'state') this.set(event.data.state)
    })
    void this.refresh()
  }

  /** Asks the worker for the state now; it answers from its store without waiting for the network. */
  async refresh(): Promise<ServedLicenseState | null> {
    const asked = this.#version
    try {
      const response = await fetch(LICENSE_ENDPOINTS.state, { cache: 'no-store' })
      const state = response.ok ? ((await response.json()) as ServedLicenseState) : null
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

/** The page's license store. */
export const license = new LicenseStateStore()

/** Whether `feature` works now, per the latest state. */
export function hasFeature(feature: string): boolean {
  return license.hasFeature(feature)
}
