import type { PageMessage, ServedLicenseState } from '../core/index.ts'

// The longest the page stays silent while a floating license is in use: the worker decides
// whether anything is due, so a message is cheap; the browser may stop an idle worker meanwhile.
const MAX_SILENCE_MS = 60_000
const MIN_DELAY_MS = 1_000

/** Where the page reads the license state from: Svelte's store contract. */
interface StateSource {
  subscribe(run: (state: ServedLicenseState | null) => void): () => void
}

/**
 * While this page holds a floating license's lease (#15), tells the worker the app is open: at
 * the lease's half-life, so it renews, and at least once a minute while none is held, so it takes
 * one when a slot frees. A borrow needs nothing. On `pagehide` the worker hears that this page
 * is going, and gives the lease back if no other window of the app is left. Returns a stop.
 */
export function keepLeaseInUse(source: StateSource, now: () => number = Date.now): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let latest: ServedLicenseState | null = null
  const post = (message: PageMessage) => navigator.serviceWorker?.controller?.postMessage(message)

  // `told`: the worker heard from this page and the state has not changed since; a renewal that
  // failed is not asked again at once, but within a minute.
  const schedule = (told = false) => {
    clearTimeout(timer)
    timer = undefined
    const floating = latest?.floating
    if (!floating || floating.held === 'borrow') return
    const halfLife =
      floating.held === 'lease' && floating.endsAt !== null
        ? floating.endsAt - floating.leaseLength / 2
        : now() + MAX_SILENCE_MS
    const untilDue = halfLife - now()
    const delay =
      untilDue <= 0 && told
        ? MAX_SILENCE_MS
        : Math.min(Math.max(untilDue, MIN_DELAY_MS), MAX_SILENCE_MS)
    timer = setTimeout(() => {
      post({ type: 'in-use' })
      schedule(true)
    }, delay)
  }
  const unsubscribe = source.subscribe((state) => {
    latest = state
    schedule()
  })
  const closing = () => {
    if (latest?.floating?.held === 'lease') post({ type: 'closing' })
  }
  addEventListener('pagehide', closing)
  return () => {
    clearTimeout(timer)
    unsubscribe()
    removeEventListener('pagehide', closing)
  }
}
