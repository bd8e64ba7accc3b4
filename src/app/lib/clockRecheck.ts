import type { ServedLicenseState } from 'leeway/core'

/** A store of the license state, as the page client's (Svelte's store contract). */
interface StateSource {
  subscribe(run: (state: ServedLicenseState | null) => void): () => void
}

/**
 * Asks for one re-check as soon as the clock looks wrong while the browser is online: only the
 * server's signed time tells a device clock set back from a remembered time pushed too far ahead,
 * and the second clears with that one check. Once per episode, so a clock that really is behind
 * the server's does not check on every state; a state with a sound clock ends the episode.
 * Returns a stop function.
 */
export function recheckWhileClockSuspect(
  source: StateSource,
  recheck: () => Promise<unknown>,
  online: () => boolean,
): () => void {
  let asked = false
  return source.subscribe((state) => {
    if (!state) return
    if (!state.clockSuspect) {
      asked = false
      return
    }
    if (asked || !online()) return
    asked = true
    void recheck()
  })
}
