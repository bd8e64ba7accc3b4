import autocannon from 'autocannon'
import { leaseBodies } from './leaseBodies.ts'
import { validateBodies } from './validateBodies.ts'
import type { SimulatedDevice } from './seedStore.ts'

/** One autocannon run against `POST /api/v1/validate` (or `/api/v1/lease`). */
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
  /**
   * `lease`: each request is one `POST /api/v1/lease` of a device of a floating license (one
   * check per request; a 200 with a grant is a check done). Default `validate`.
   */
  endpoint?: 'validate' | 'lease'
}

/**
 * Sends exactly `requests` validate (or lease) calls with autocannon, each body taken from a pool
 * of distinct pre-signed proofs (autocannon's per-request `setupRequest`), and checks every answer.
 */
export async function loadValidate(options: LoadOptions): Promise<LoadRun> {
  const { connections, checksPerRequest, requests } = options
  const lease = options.endpoint === 'lease'
  if (lease && checksPerRequest !== 1) throw new Error('a lease call holds one check')
  // autocannon builds one request per connection before starting, and may build a few more.
  const pool = requests + 2 * connections + 8
  const first = options.firstDevice ?? 0
  const bodies = lease
    ? leaseBodies(options.devices, pool, first)
    : validateBodies(options.devices, pool, checksPerRequest, first)
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
        path: lease ? '/api/v1/lease' : '/api/v1/validate',
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
          if (lease) {
            okChecks += body.startsWith('{"grant":"') ? 1 : 0
            failedChecks += body.startsWith('{"grant":"') ? 0 : 1
            return
          }
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
