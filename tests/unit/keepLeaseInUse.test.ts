import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { keepLeaseInUse } from '../../src/client/index.ts'
import type { FloatingState, ServedLicenseState } from '../../src/core/index.ts'

// The page's half of keeping a floating license's lease (#15): when it tells the worker the app is
// open, and when it says it is closing. The worker's half runs against the real server in
// tests/server/worker/floating.happy.test.ts.

const NOW = Date.UTC(2026, 11, 6, 9)
const MINUTE = 60_000

let posted: unknown[]
let page: EventTarget
let listeners: ((state: ServedLicenseState | null) => void)[]

beforeEach(() => {
  vi.useFakeTimers({ now: NOW })
  posted = []
  page = new EventTarget()
  listeners = []
  vi.stubGlobal('navigator', {
    serviceWorker: { controller: { postMessage: (message: unknown) => posted.push(message) } },
  })
  vi.stubGlobal('addEventListener', page.addEventListener.bind(page))
  vi.stubGlobal('removeEventListener', page.removeEventListener.bind(page))
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

const source = {
  subscribe(run: (state: ServedLicenseState | null) => void) {
    listeners.push(run)
    run(null)
    return () => listeners.splice(listeners.indexOf(run), 1)
  },
}
const show = (floating: Partial<FloatingState> | null) => {
  const state = {
    status: 'active',
    floating: floating && {
      held: 'lease',
      endsAt: NOW + 10 * MINUTE,
      maxConcurrent: 3,
      leaseLength: 10 * MINUTE,
      borrowUntilMax: null,
      allInUse: null,
      returnPending: false,
      ...floating,
    },
  } as ServedLicenseState
  for (const run of listeners) run(state)
}

describe('a page holding a lease', () => {
  it('says the app is in use at the lease half-life, not before', () => {
    keepLeaseInUse(source)
    show({ held: 'lease', endsAt: NOW + 80_000, leaseLength: 80_000 })
    vi.advanceTimersByTime(39_000)
    expect(posted).toEqual([])
    vi.advanceTimersByTime(1_000)
    expect(posted).toEqual([{ type: 'in-use' }])
    // The renewal did not come (the state stayed): asked again within a minute, not every second.
    vi.advanceTimersByTime(59_000)
    expect(posted).toHaveLength(1)
    vi.advanceTimersByTime(1_000)
    expect(posted).toHaveLength(2)
  })

  it('never stays silent more than a minute, so a lapsed or refused lease is asked for again', () => {
    keepLeaseInUse(source)
    show({ held: null, endsAt: null })
    vi.advanceTimersByTime(3 * MINUTE)
    expect(posted).toEqual([{ type: 'in-use' }, { type: 'in-use' }, { type: 'in-use' }])
  })

  it('says it is closing on pagehide', () => {
    keepLeaseInUse(source)
    show({})
    page.dispatchEvent(new Event('pagehide'))
    expect(posted).toEqual([{ type: 'closing' }])
  })
})

describe('nothing to keep', () => {
  it('a borrow, a node-locked license or a stopped client send nothing', () => {
    const stop = keepLeaseInUse(source)
    show({ held: 'borrow', endsAt: NOW + 3 * 24 * 60 * MINUTE })
    page.dispatchEvent(new Event('pagehide'))
    vi.advanceTimersByTime(10 * MINUTE)
    show(null)
    vi.advanceTimersByTime(10 * MINUTE)
    show({})
    stop()
    vi.advanceTimersByTime(10 * MINUTE)
    page.dispatchEvent(new Event('pagehide'))
    expect(posted).toEqual([])
  })
})
