import { chromium } from '@playwright/test'
import type { Browser, Page } from '@playwright/test'
import type { Deployment } from '../../../server/deployment/openDeployment.ts'
import { listen } from '../../../server/main.ts'
import { startFaultProxy } from '../../support/faultProxy.ts'
import type { FaultProxy } from '../../support/faultProxy.ts'
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/core/index.ts'
import { CHROMIUM } from '../../e2e/support/chromium.ts'
import { IsolatedStaticServer } from '../browser/IsolatedStaticServer.ts'
import {
  interleavedFetches,
  openControlled,
  timedFetch,
  WorkerStopper,
} from '../browser/pageTiming.ts'
import { summarize } from '../support/stats.ts'
import type { Summary } from '../support/stats.ts'

export const STATE_PATH = '/_license/state'
/** Answered by the product worker's own /_license/* router with a 404, touching no store. */
export const TRIVIAL_PATH = '/_license/bench-baseline'

const WARM_CALLS = 500
const WARM_UP = 50
const COLD_CALLS = 20
const HANG_CALLS = 50
const NETWORK_FIRST_CALLS = 5
const RETRY_SECONDS = 10

export interface OfflineDecision {
  crossOriginIsolated: boolean
  /** The license status the worker answered with (it must be a real decision, e.g. active). */
  status: string
  warm: { state: Summary; trivial: Summary; precached: Summary }
  cold: { state: Summary; trivial: Summary }
}

export interface HangingServer {
  /** Every state call, the first of which started the background re-check that hangs. */
  state: Summary
  firstCallMs: number
  status: string
  /** Whether a validate request was indeed held by the hanging server while the calls ran. */
  recheckHeld: boolean
  networkFirst: Summary
  networkFirstStatus: number
}

/** One device's re-checks while the server fails fast (503 without Retry-After). */
export interface RetryRate {
  seconds: number
  validateCalls: number
  /** Background Sync events Chromium dispatched to the worker meanwhile (CDP BackgroundService). */
  syncDispatched: number
  syncReregistered: number
  /** Attempts DEFAULT_BACKOFF (full jitter) would make in the same time, on average. */
  backoffExpected: number
}

export interface BrowserResults {
  chromium: string
  offline: OfflineDecision
  hang: HangingServer
  retry: RetryRate
}

export interface BrowserOptions {
  appDir: string
  networkFirstDir: string
  data: Deployment
  /** A small precached file of the app (Cache Storage), a second reference for the warm case. */
  precachedPath: string
  log: (line: string) => void
}

/**
 * Items 1 and 2, and the real worker's retry rate for item 5: the product worker in headless
 * Chromium, the built app served cross-origin isolated by a small static server that forwards /api
 * through a fault proxy to a license server running in this process.
 */
export async function measureBrowser(options: BrowserOptions): Promise<BrowserResults> {
  const { data, log } = options
  const licenseServer = await listen(data, { port: 0, host: '127.0.0.1' })
  const proxy = await startFaultProxy({ target: licenseServer.url })
  const app = await IsolatedStaticServer.start(options.appDir, proxy.url)
  const networkFirstSite = await IsolatedStaticServer.start(options.networkFirstDir, proxy.url)
  let browser: Browser | undefined
  try {
    browser = await chromium.launch(CHROMIUM)
    const demoKey = data.demo?.key
    if (!demoKey) throw new Error('the browser data folder has no demo license')
    log('  offline decision (warm, then cold)')
    const offline = await offlineDecision(browser, app.url, demoKey, options.precachedPath)

    log('  answer while the license server hangs')
    const hang = await hangingServer(
      browser,
      app.url,
      networkFirstSite.url,
      proxy,
      licenseServer.url,
      data.adminToken,
    )

    log('  re-checks while the license server answers 503')
    const retry = await retryRate(browser, app.url, proxy, licenseServer.url, data.adminToken)
    return { chromium: browser.version(), offline, hang, retry }
  } finally {
    await browser?.close()
    await networkFirstSite.close()
    await app.close()
    await proxy.close()
    await licenseServer.close()
  }
}

async function offlineDecision(
  browser: Browser,
  origin: string,
  licenseKey: string,
  precachedPath: string,
): Promise<OfflineDecision> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await openControlled(page, origin)
    const crossOriginIsolated = await page.evaluate(() => globalThis.crossOriginIsolated)
    await activate(page, licenseKey)
    await context.setOffline(true)
    const paths = [STATE_PATH, TRIVIAL_PATH, precachedPath]
    const warm = await interleavedFetches(page, paths, WARM_CALLS, WARM_UP)
    if (warm.statuses.join() !== '200,404,200')
      throw new Error(`unexpected answers offline: ${warm.statuses.join()}`)
    const state = await timedFetch(page, STATE_PATH)
    const status = (JSON.parse(state.body) as { status: string }).status

    const stopper = await WorkerStopper.attach(context, page)
    const cold: number[][] = [[], []]
    for (let i = 0; i < COLD_CALLS; i++) {
      for (const [index, path] of [STATE_PATH, TRIVIAL_PATH].entries()) {
        await stopper.stopAll()
        cold[index]?.push((await timedFetch(page, path)).ms)
      }
    }
    const [warmState = [], warmTrivial = [], warmPrecached = []] = warm.samples
    return {
      crossOriginIsolated,
      status,
      warm: {
        state: summarize(warmState),
        trivial: summarize(warmTrivial),
        precached: summarize(warmPrecached),
      },
      cold: { state: summarize(cold[0] ?? []), trivial: summarize(cold[1] ?? []) },
    }
  } finally {
    await context.close()
  }
}

/**
 * The state asked while the device's re-check hangs on a server that accepts and never answers,
 * against Workbox's NetworkFirst with a 3 s timeout on the same hanging API.
 */
async function hangingServer(
  browser: Browser,
  origin: string,
  networkFirstOrigin: string,
  proxy: FaultProxy,
  serverUrl: string,
  adminToken: string,
): Promise<HangingServer> {
  const licenseKey = await createLicense(serverUrl, adminToken, {
    recheckEvery: 'PT4S',
    grace: 'PT1H',
  })
  const appContext = await browser.newContext()
  const baselineContext = await browser.newContext()
  try {
    const appPage = await appContext.newPage()
    await openControlled(appPage, origin)
    await activate(appPage, licenseKey)
    const activatedAt = Date.now()

    const baselinePage = await baselineContext.newPage()
    await openControlled(baselinePage, networkFirstOrigin)
    const primed = await timedFetch(baselinePage, '/api/v1/keys')
    if (primed.status !== 200) throw new Error(`NetworkFirst priming failed: ${primed.status}`)

    proxy.setMode({ kind: 'hang' })
    proxy.clearLog()
    const hangingFrom = Date.now()
    // The grant's re-check falls due at half its 4 s recheck interval (iat is in whole seconds),
    // and the grant stays active until 4 s: the calls below see a due re-check, still active.
    await sleep(Math.max(0, activatedAt + 2_200 - Date.now()))
    const calls: number[] = []
    let status = ''
    for (let i = 0; i <= HANG_CALLS; i++) {
      const answer = await timedFetch(appPage, STATE_PATH)
      if (answer.status !== 200) throw new Error(`state answered ${answer.status}`)
      status = (JSON.parse(answer.body) as { status: string }).status
      calls.push(answer.ms)
    }
    // The re-check the first call started must be held by the proxy while the calls ran (it is
    // far inside the worker's 10 s request timeout).
    const measuredTo = Date.now()
    const recheckHeld = proxy.log.some(
      (entry) =>
        entry.path.startsWith('/api/v1/validate') &&
        entry.outcome === 'held' &&
        entry.at >= hangingFrom &&
        entry.at <= measuredTo,
    )
    const networkFirst: number[] = []
    let networkFirstStatus = 0
    for (let i = 0; i < NETWORK_FIRST_CALLS; i++) {
      const answer = await timedFetch(baselinePage, '/api/v1/keys')
      networkFirst.push(answer.ms)
      networkFirstStatus = answer.status
    }
    return {
      state: summarize(calls),
      firstCallMs: calls[0] ?? NaN,
      status,
      recheckHeld,
      networkFirst: summarize(networkFirst),
      networkFirstStatus,
    }
  } finally {
    proxy.setMode({ kind: 'pass' })
    await appContext.close()
    await baselineContext.close()
  }
}

/**
 * Counts one device's validate calls for RETRY_SECONDS after its first re-check meets a server that
 * answers 503 at once, and the Background Sync events behind them.
 */
async function retryRate(
  browser: Browser,
  origin: string,
  proxy: FaultProxy,
  serverUrl: string,
  adminToken: string,
): Promise<RetryRate> {
  const licenseKey = await createLicense(serverUrl, adminToken, {
    recheckEvery: 'PT4S',
    grace: 'PT1H',
  })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await openControlled(page, origin)
    const cdp = await context.newCDPSession(page)
    const events = new Map<string, number>()
    cdp.on('BackgroundService.backgroundServiceEventReceived', ({ backgroundServiceEvent }) => {
      const name = backgroundServiceEvent.eventName
      events.set(name, (events.get(name) ?? 0) + 1)
    })
    await cdp.send('BackgroundService.startObserving', { service: 'backgroundSync' })
    await cdp.send('BackgroundService.setRecording', {
      shouldRecord: true,
      service: 'backgroundSync',
    })
    await activate(page, licenseKey)
    const activatedAt = Date.now()
    proxy.setMode({ kind: 'status', status: 503 })
    await sleep(Math.max(0, activatedAt + 2_200 - Date.now()))
    proxy.clearLog()
    events.clear()
    await timedFetch(page, STATE_PATH)
    await sleep(RETRY_SECONDS * 1000)
    const validateCalls = proxy.log.filter((entry) =>
      entry.path.startsWith('/api/v1/validate'),
    ).length
    proxy.setMode({ kind: 'pass' })
    return {
      seconds: RETRY_SECONDS,
      validateCalls,
      syncDispatched: events.get('Dispatched sync event') ?? 0,
      syncReregistered: events.get('Sync event reregistered') ?? 0,
      backoffExpected: expectedAttempts(RETRY_SECONDS * 1000),
    }
  } finally {
    await context.close()
  }
}

/** Mean attempts within `windowMs` of a first failure when each retry waits backoffDelay. */
function expectedAttempts(windowMs: number): number {
  const trials = 20_000
  let total = 0
  for (let trial = 0; trial < trials; trial++) {
    let at = 0
    let failures = 0
    while (at <= windowMs) {
      total += 1
      failures += 1
      at += backoffDelay(failures, Math.random, DEFAULT_BACKOFF)
    }
  }
  return total / trials
}

async function activate(page: Page, licenseKey: string): Promise<void> {
  const answer = await timedFetch(page, '/_license/activate', {
    method: 'POST',
    body: { licenseKey, deviceName: 'Bench browser' },
  })
  if (answer.status !== 200) throw new Error(`activation failed: ${answer.status} ${answer.body}`)
}

async function createLicense(
  serverUrl: string,
  adminToken: string,
  overrides: Record<string, unknown>,
): Promise<string> {
  const response = await fetch(`${serverUrl}/admin/v1/licenses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ product: 'notes', plan: 'pro', seats: 2, ...overrides }),
  })
  if (response.status !== 201) throw new Error(`license creation failed: ${await response.text()}`)
  return ((await response.json()) as { key: string }).key
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
