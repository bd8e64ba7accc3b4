import type { BrowserResults } from '../sections/browser.ts'
import type { CryptoLimit } from '../sections/cryptoLimit.ts'
import type { DownloadSizes } from '../sections/downloadSizes.ts'
import type { InProcessValidate } from '../sections/inProcessValidate.ts'
import type { LeaseRenewalResults } from '../sections/leaseRenewals.ts'
import type { StormResults } from '../sections/storm.ts'
import type { StoreWrites } from '../sections/storeWrites.ts'
import type { ThroughputResults } from '../sections/validateThroughput.ts'
import type { Machine } from '../support/machine.ts'

/** Everything one `npm run bench` measured; written to bench/results.json. */
export interface Results {
  machine: Machine
  durationSeconds: number
  sizes?: DownloadSizes
  browser?: BrowserResults
  crypto?: CryptoLimit
  /** One check at a time through the Hono app in the bench's process (no HTTP). */
  inProcessValidate?: InProcessValidate
  storeWrites?: StoreWrites
  stores?: { small: { rows: number; seconds: number }; large: { rows: number; seconds: number } }
  throughput?: ThroughputResults
  storm?: StormResults
  /** Issue 15: lease renewals of floating licenses against validate on the same server. */
  leases?: LeaseRenewalResults
  /** Sections that could not run, and why: their rows say so instead of a figure. */
  errors: { section: string; message: string }[]
}

/** One line of the table. */
export interface Row {
  item: string
  measure: string
  subject: string
  baseline: string
  ratio: string
  budget: string
  /** null: a figure without a budget. */
  met: boolean | null
}
