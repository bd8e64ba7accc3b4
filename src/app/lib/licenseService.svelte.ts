import type { LicenseStateStore } from 'leeway/client'
import type { ServiceProblem } from './serviceProblem.ts'

/** How long the page waits for a first state before saying the service has not started. */
export const SILENT_AFTER_MS = 6_000

/** What the page knows of the license service while it has no state; one-way, like the state. */
export const service = $state<{ problem: ServiceProblem | null }>({ problem: null })

/**
 * Follows the license service's start: a refused registration is said at once, a silence after
 * `SILENT_AFTER_MS`; the first state clears both. Returns a stop function.
 */
export function watchLicenseService(
  license: LicenseStateStore,
  onUnavailable: (listener: (reason: 'unsupported' | 'refused') => void) => void,
  silentAfterMs = SILENT_AFTER_MS,
): () => void {
  const timer = setTimeout(() => {
    if (license.current === null && service.problem === null) service.problem = 'silent'
  }, silentAfterMs)
  onUnavailable((reason) => {
    if (license.current === null) service.problem = reason
  })
  const unsubscribe = license.subscribe((state) => {
    if (state !== null) {
      service.problem = null
      clearTimeout(timer)
    }
  })
  return () => {
    clearTimeout(timer)
    unsubscribe()
  }
}
