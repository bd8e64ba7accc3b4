// Svelte 5 bindings of the page client (`leeway/svelte`). The client's `license` and `feature()`
// are Svelte stores already (`$license` in a component); this is the same state for runes, readable
// in `.svelte.ts` modules and `$derived` expressions.
import { createSubscriber } from 'svelte/reactivity'
import type { ServedLicenseState } from '../core/index.ts'
import type { LicenseClient } from './createLicenseClient.ts'

/** The license state as reactive reads: an effect or template that reads it runs again on change. */
export interface ReactiveLicense {
  /** The state, null until the worker has answered. */
  readonly current: ServedLicenseState | null
  /** Whether `feature` works now; false until the state is known. */
  has(feature: string): boolean
}

/**
 * @example
 * const license = reactiveLicense(leeway)
 * const canExport = $derived(license.has('export.file'))
 */
export function reactiveLicense(client: LicenseClient): ReactiveLicense {
  // Subscribes while something reactive reads, and not before: no listener outlives its readers.
  const track = createSubscriber((update) => client.license.subscribe(() => update()))
  return {
    get current() {
      track()
      return client.license.current
    },
    has(feature) {
      track()
      return client.hasFeature(feature)
    },
  }
}
