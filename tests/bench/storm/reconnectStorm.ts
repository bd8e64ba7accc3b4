import { backoffDelay, retryAfterUntil } from '../../../src/core/index.ts'
import type { SimulatedDevice } from '../server/seedStore.ts'
import { summarize } from '../support/stats.ts'
import { sendCheck } from './sendCheck.ts'
import type { CheckReply } from './sendCheck.ts'
import type { Summary } from '../support/stats.ts'

/** How one request of a device ended. */
export type Outcome =
  | 'fresh'
  | 'rateLimited'
  | 'rateLimitedWithoutRetryAfter'
  | 'refused'
  | 'serverError'
  | 'timeout'
  | 'networkError'

export interface StormOptions {
  url: string
  devices: SimulatedDevice[]
  /** When each device first tries, in ms after the server is back (0: all at once). */
  firstAttemptMs: (index: number) => number
  /** Failures each device has already counted (its next backoff continues from there). */
  priorFailures: number
  /** The worker's wait for an answer before it counts the server as unreachable. */
  requestTimeoutMs: number
  /** Devices still without a fresh grant this long after the start are given up on. */
  deadlineMs: number
}

export interface StormAnswer {
  device: SimulatedDevice
  grant: string
  proof: string
  certs: string[]
}

export interface StormRun {
  devices: number
  requests: number
  outcomes: Record<Outcome, number>
  /** Network errors by code (ECONNRESET, EADDRNOTAVAIL…). */
  networkErrors: Record<string, number>
  /** Every request, whatever its outcome (a timeout counts as its full wait). */
  latencyMs: Summary
  peakInFlight: number
  /** When the simulator had sent every device's first request, ms after the start. */
  firstRequestsSentMs: number
  /** When the last device got its fresh grant, ms after the start; null if some never did. */
  allFreshMs: number | null
  fresh: number
  /** Requests in flight over time: the most seen in each 100 ms bin. */
  inFlight: { atMs: number; count: number }[]
  answers: StormAnswer[]
}

const BIN_MS = 100

/** Sorts a reply as the worker would act on it. */
export function classify(reply: CheckReply): Outcome {
  if (reply.error === 'timeout') return 'timeout'
  if (reply.error === 'network') return 'networkError'
  if (reply.status === 200) return reply.text.includes('"ok":true') ? 'fresh' : 'refused'
  if (reply.status === 429) return reply.retryAfter ? 'rateLimited' : 'rateLimitedWithoutRetryAfter'
  return 'serverError'
}

/**
 * Devices reconnecting after an outage: each sends its re-check (sendCheck), waits
 * `requestTimeoutMs` at most, and on failure
 * retries as the worker does: after the server's Retry-After on 429, else after backoffDelay
 * (full jitter) of its failure count.
 */
export async function reconnectStorm(options: StormOptions): Promise<StormRun> {
  const outcomes: Record<Outcome, number> = {
    fresh: 0,
    rateLimited: 0,
    rateLimitedWithoutRetryAfter: 0,
    refused: 0,
    serverError: 0,
    timeout: 0,
    networkError: 0,
  }
  const networkErrors: Record<string, number> = {}
  const spans: { start: number; end: number }[] = []
  let firstRequestsSent = 0
  const answers: StormAnswer[] = []
  const timers = new Set<NodeJS.Timeout>()
  let pending = options.devices.length
  let lastFresh = 0
  // Signed before the clock starts, so that "all at once" is not paced by the simulator's signing.
  const firstProofs = options.devices.map((device) => device.key.proof(device.jti))
  const started = performance.now()
  const elapsed = () => performance.now() - started

  return new Promise<StormRun>((resolveRun) => {
    const finishDevice = () => {
      pending -= 1
      if (pending > 0) return
      for (const timer of timers) clearTimeout(timer)
      resolveRun(summarise())
    }
    const schedule = (delay: number, run: () => void) => {
      if (elapsed() + delay > options.deadlineMs) {
        finishDevice()
        return
      }
      const timer = setTimeout(() => {
        timers.delete(timer)
        run()
      }, delay)
      timers.add(timer)
    }
    const attempt = (device: SimulatedDevice, failures: number, proof?: string) => {
      const start = elapsed()
      void sendCheck(options.url, device, options.requestTimeoutMs, proof).then((reply) => {
        spans.push({ start, end: elapsed() })
        const outcome = classify(reply)
        outcomes[outcome] += 1
        if (reply.errorCode)
          networkErrors[reply.errorCode] = (networkErrors[reply.errorCode] ?? 0) + 1
        if (outcome === 'fresh') {
          const answer = JSON.parse(reply.text) as { results: { grant: string }[]; certs: string[] }
          const grant = answer.results[0]?.grant ?? ''
          answers.push({ device, proof: reply.proof, grant, certs: answer.certs })
          lastFresh = Math.max(lastFresh, elapsed())
          finishDevice()
        } else if (outcome === 'rateLimited') {
          const now = Date.now()
          const until = retryAfterUntil(reply.retryAfter, now) ?? now
          schedule(until - now, () => attempt(device, failures))
        } else {
          schedule(backoffDelay(failures + 1, Math.random), () => attempt(device, failures + 1))
        }
      })
    }

    for (const [index, device] of options.devices.entries()) {
      const proof = firstProofs[index]
      schedule(options.firstAttemptMs(index), () => {
        firstRequestsSent = Math.max(firstRequestsSent, elapsed())
        attempt(device, options.priorFailures, proof)
      })
    }
  })

  function summarise(): StormRun {
    const fresh = outcomes.fresh
    return {
      devices: options.devices.length,
      requests: spans.length,
      outcomes,
      networkErrors,
      latencyMs: summarize(spans.map((span) => span.end - span.start)),
      ...inFlightOverTime(spans),
      firstRequestsSentMs: firstRequestsSent,
      allFreshMs: fresh === options.devices.length ? lastFresh : null,
      fresh,
      answers,
    }
  }
}

/** Sweeps request spans into the peak and the most in flight within each bin. */
function inFlightOverTime(spans: readonly { start: number; end: number }[]): {
  peakInFlight: number
  inFlight: { atMs: number; count: number }[]
} {
  const changes = spans
    .flatMap((span) => [
      { at: span.start, delta: 1 },
      { at: span.end, delta: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.delta - b.delta)
  const bins = Math.ceil((changes.at(-1)?.at ?? 0) / BIN_MS) + 1
  const inFlight: { atMs: number; count: number }[] = []
  let current = 0
  let peak = 0
  let next = 0
  for (let bin = 0; bin < bins; bin++) {
    // What was in flight when the bin began counts too, even if nothing changed in it.
    let most = current
    for (; next < changes.length; next++) {
      const change = changes[next]
      if (!change || change.at >= (bin + 1) * BIN_MS) break
      current += change.delta
      most = Math.max(most, current)
    }
    peak = Math.max(peak, most)
    inFlight.push({ atMs: bin * BIN_MS, count: most })
  }
  return { peakInFlight: peak, inFlight }
}
