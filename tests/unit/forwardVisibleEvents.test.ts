import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { forwardVisibleEvents } from '../../src/client/index.ts'

// The page's half of the `visible` message (#14, worker facts); the worker's half runs against the
// real server in tests/server/worker/visibleRecheck.happy.test.ts.

/** The page's document, as far as visibility goes. */
class PageDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible'

  becomes(state: DocumentVisibilityState): void {
    this.visibilityState = state
    this.dispatchEvent(new Event('visibilitychange'))
  }
}

let page: PageDocument
let posted: unknown[]

beforeEach(() => {
  page = new PageDocument()
  posted = []
  vi.stubGlobal('document', page)
  vi.stubGlobal('navigator', {
    serviceWorker: { controller: { postMessage: (message: unknown) => posted.push(message) } },
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('a page hidden and shown again', () => {
  it('tells the worker when it is shown, not when it is hidden', () => {
    const stop = forwardVisibleEvents()
    page.becomes('hidden')
    expect(posted).toEqual([])
    page.becomes('visible')
    expect(posted).toEqual([{ type: 'visible' }])
    stop()
  })

  it('tells nobody once stopped', () => {
    forwardVisibleEvents()()
    page.becomes('hidden')
    page.becomes('visible')
    expect(posted).toEqual([])
  })

  it('does not throw in a page no worker controls yet, or in a browser without service workers', () => {
    const stop = forwardVisibleEvents()
    vi.stubGlobal('navigator', { serviceWorker: { controller: null } })
    expect(() => page.becomes('visible')).not.toThrow()
    vi.stubGlobal('navigator', {})
    expect(() => page.becomes('visible')).not.toThrow()
    stop()
    expect(posted).toEqual([])
  })
})
