import type { BackoffPolicy, PublicJwk, ServedLicenseState } from '../../src/core/index.ts'

/** What the license worker is given: the pinned root, the product, and every effect on the world. */
export interface WorkerConfig {
  rootJwk: PublicJwk
  product: string
  /** The license server's public API: a path of this origin, or a URL of another. */
  apiBase: string
  /** The worker's own origin: a license server elsewhere answers only if it allows this one (CORS). */
  origin: string
  requestTimeoutMs: number
  backoff: BackoffPolicy
  now: () => number
  random: () => number
  fetch: typeof fetch
  onLine: () => boolean
  /** Asks the browser to wake the worker when the network is back (Background Sync), where it can. */
  registerSync: (tag: string) => Promise<void>
  broadcast: (state: ServedLicenseState) => void
  /** The ids of the app's open windows (tabs): a floating license's lease is held while any is. */
  openWindows: () => Promise<string[]>
}
