import { describe, expect, it } from 'vitest'
import { recheckWhileClockSuspect } from '../../src/app/lib/clockRecheck.ts'
import type { ServedLicenseState } from '../../src/core/index.ts'

type Run = (state: ServedLicenseState | null) => void

function source() {
  let run: Run = () => undefined
  return {
    subscribe(next: Run) {
      run = next
      next(null)
      return () => undefined
    },
    send: (clockSuspect: boolean) => run({ clockSuspect } as ServedLicenseState),
  }
}

describe('a clock that looks set in the past', () => {
  it('is re-checked at once while online, once per episode', () => {
    const states = source()
    let checks = 0
    recheckWhileClockSuspect(
      states,
      async () => void (checks += 1),
      () => true,
    )
    states.send(true)
    states.send(true)
    expect(checks).toBe(1)
    states.send(false)
    states.send(true)
    expect(checks).toBe(2)
  })

  it('waits for the browser to be online', () => {
    const states = source()
    let online = false
    let checks = 0
    recheckWhileClockSuspect(
      states,
      async () => void (checks += 1),
      () => online,
    )
    states.send(true)
    expect(checks).toBe(0)
    online = true
    states.send(true)
    expect(checks).toBe(1)
  })
})
