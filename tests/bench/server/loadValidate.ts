import autocannon from 'autocannon'
import { validateBodies } from './validateBodies.ts'
import type { SimulatedDevice } from './seedStore.ts'

/** One autocannon run against `POST /api/v1/validate`. */
export interface LoadRun {
  requests: number
  checks: number
  seconds: number
  requestsPerSecond: number
  checksPerSecond: number
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  /** Responses other than 200, socket errors and timeouts. */
  failedRequests: number
  /** Checks answered with an error instead of a fresh grant (a proof reused would show here). */
  failedChecks: number
}

export interface LoadOptions {
  url: string
  devices: readonly SimulatedDevice[]
  checksPerRequest: number
  requests: number
  connections: number
  /** Where in the device list this run starts, so consecutive runs spread over every device. */
  firstDevice?: number
}

/**
 * Sends exactly `requests` validate calls with autocannon, each body taken from a pool of distinct
 * pre-signed proofs (autocannon's per-request `setupRequest`), and checks every answer.
 */
export async function loadValidate(options: LoadOptions): Promise<LoadRun> {
  const { connections, checksPerRequest, requests } = options
  // autocannon builds one request per connection before starting, and may build a few more.
  const bodies = validateBodies(
    options.devices,
    requests + 2 * connections + 8,
    checksPerRequest,
    options.firstDevice ?? 0,
  )
  let next = 0
  let failedChecks = 0
  let okChecks = 0
  let okRequests = 0
  // autocannon reports its start and finish on its 1 s sampling tick: time the run ourselves,
  // from the call to the last answer.
  const started = performance.now()
  let lastAnswer = started
  const result = await autocannon({
    url: options.url,
    connections,
    amount: requests,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/validate',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const body = bodies[next++]
          if (body === undefined) throw new Error('the pool of pre-signed proofs ran out')
          return { ...request, body }
        },
        onResponse: (status, body) => {
          lastAnswer = performance.now()
          if (status !== 200) return
          okRequests += 1
          okChecks += count(body, '"ok":true')
          failedChecks += count(body, '"ok":false')
        },
      },
    ],
  })
  const seconds = (lastAnswer - started) / 1000
  const ok = okRequests
  return {
    requests: ok,
    checks: okChecks,
    seconds,
    requestsPerSecond: ok / seconds,
    checksPerSecond: okChecks / seconds,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    failedRequests: result.non2xx + result.errors + result.timeouts,
    failedChecks,
  }
}

function count(text: string, needle: string): number {
  let found = 0
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length))
    found += 1
  return found
}
