/** What `CheckAdmission.admit` answers: a place (release it when done), or when to come back. */
export type Admission = { ok: true; release: () => void } | { ok: false; retryAfterSeconds: number }

export interface CheckAdmissionOptions {
  /** Most checks in progress at once; beyond it, requests are refused with 429 at once. */
  maxInFlight: number
  now?: () => number
  random?: () => number
}

// Refused devices are sent away for at least this long, and never for longer than this.
const MIN_RETRY_SECONDS = 1
const MAX_RETRY_SECONDS = 120
// Until a busy second has been seen, and never less: the rate a server of this kind at least manages.
const INITIAL_CHECKS_PER_SECOND = 200
const RATE_WINDOW_MS = 1_000

/**
 * Load shedding for validations. When every device comes back at once (after an outage, a
 * deployment), the server takes in only what it can answer soon and turns the rest away at once
 * with 429 and a `Retry-After` (the worker honours it), instead of queueing requests until they
 * time out, which wastes the work done on them and makes every device retry anyway.
 *
 * A refused device is told to come back at a random second within the time the server needs for
 * everything in progress and everything it refused lately, at the rate it has been completing
 * checks; so the retries arrive spread over the drain time instead of together. A request is
 * admitted whenever nothing is in progress, so a batch larger than the limit still goes through.
 */
export class CheckAdmission {
  readonly #maxInFlight: number
  readonly #now: () => number
  readonly #random: () => number
  #inFlight = 0
  #checksPerSecond = INITIAL_CHECKS_PER_SECOND
  #windowStart: number
  #completedInWindow = 0
  #refusedInWindow = 0
  #busyWindow = false
  #refusedLately = 0

  constructor(options: CheckAdmissionOptions) {
    this.#maxInFlight = options.maxInFlight
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
    this.#windowStart = this.#now()
  }

  /** Checks in progress now. */
  get inFlight(): number {
    return this.#inFlight
  }

  admit(checks: number): Admission {
    this.#roll()
    if (this.#inFlight > 0 && this.#inFlight + checks > this.#maxInFlight) {
      this.#busyWindow = true
      this.#refusedInWindow += checks
      return { ok: false, retryAfterSeconds: this.#retryAfter() }
    }
    this.#inFlight += checks
    if (this.#inFlight * 2 >= this.#maxInFlight) this.#busyWindow = true
    let released = false
    return {
      ok: true,
      release: () => {
        if (released) return
        released = true
        this.#inFlight -= checks
        this.#completedInWindow += checks
      },
    }
  }

  /** A second uniformly within the time to drain what is in progress and what was refused. */
  #retryAfter(): number {
    const backlog = this.#inFlight + Math.max(this.#refusedLately, this.#refusedInWindow)
    const drainSeconds = Math.ceil(backlog / this.#checksPerSecond)
    const spread = Math.max(MIN_RETRY_SECONDS, Math.min(MAX_RETRY_SECONDS, drainSeconds))
    return MIN_RETRY_SECONDS + Math.floor(this.#random() * spread)
  }

  /** Ends the rate window once it is a second old: the rate seen, and what was refused in it. */
  #roll(): void {
    const now = this.#now()
    const elapsed = now - this.#windowStart
    if (elapsed < RATE_WINDOW_MS) return
    // Only a busy window (half the limit or more in progress) says what the server can do; a quiet
    // one measures the devices' pace, and would send the first refused of a surge away for minutes.
    if (this.#busyWindow && this.#completedInWindow > 0) {
      const seen = (this.#completedInWindow * 1000) / elapsed
      this.#checksPerSecond = Math.max(
        INITIAL_CHECKS_PER_SECOND,
        (this.#checksPerSecond + seen) / 2,
      )
    }
    this.#busyWindow = false
    this.#refusedLately = this.#refusedInWindow
    this.#windowStart = now
    this.#completedInWindow = 0
    this.#refusedInWindow = 0
  }
}
