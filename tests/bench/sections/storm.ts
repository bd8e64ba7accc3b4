import { backoffDelay } from '../../../src/core/index.ts'
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../../vite.config.ts'
import { LicenseServerProcess } from '../server/LicenseServerProcess.ts'
import type { SeededStore, SimulatedDevice } from '../server/seedStore.ts'
import { validationsDone } from '../server/validationsDone.ts'
import { classify, reconnectStorm } from '../storm/reconnectStorm.ts'
import type { StormRun } from '../storm/reconnectStorm.ts'
import { sendCheck } from '../storm/sendCheck.ts'
import { verifyFreshGrants } from '../storm/verifyFreshGrants.ts'
import { summarize } from '../support/stats.ts'
import type { Summary } from '../support/stats.ts'

/** Failures each device counted during the outage: its next try is backoffDelay(4), U[0, 16 s). */
export const PRIOR_FAILURES = 4
const IDLE_CALLS = 300
const WARM_UP_CALLS = 50
const DEADLINE_MS = 90_000
const JITTERED_RUNS = 3

export type StormSummary = Omit<StormRun, 'answers'> & {
  verified: number
  problems: string[]
  /** Validations the server completed, answered or not (from the devices' `seq`). */
  serverValidations: number
  /** Of those, the ones whose device had stopped waiting (timed out) before the answer. */
  wastedValidations: number
}

export interface StormResults {
  devices: number
  requestTimeoutMs: number
  jitterWindowMs: number
  /** Devices still without a fresh grant this long after the start were given up on. */
  deadlineMs: number
  /** One device at a time on an idle server, each over a new connection. */
  idle: Summary
  allAtOnce: StormSummary
  /** The run with jitter whose p99 is the median of `jitteredP99s`. */
  jittered: StormSummary
  /** The p99 of each run with jitter, in the order they ran. */
  jitteredP99s: number[]
}

/**
 * Item 5: every device of the store reconnects, once all at once (the network came back for all:
 * the worker's `online` and sync paths skip the backoff), and once spread by the worker's full
 * jitter after an outage long enough for four failures. A fresh server process for each, warmed
 * by a series of single checks; the idle latency is that series on the first.
 */
export async function measureStorm(
  seeded: SeededStore,
  log: (line: string) => void,
): Promise<StormResults> {
  const devices = seeded.devices
  const idle: number[] = []
  const storm = async (
    name: string,
    firstAttemptMs: (index: number) => number,
    withIdle: boolean,
  ): Promise<StormSummary> => {
    const before = validationsDone(seeded.dir)
    const server = await LicenseServerProcess.start(seeded.dir)
    let run: StormRun
    try {
      // A running server is warm: each storm's fresh process first answers the idle series (timed
      // for the first storm only), so neither storm meets a cold JIT.
      log(withIdle ? '  idle server: one check at a time' : '  warm-up: one check at a time')
      await idleLatency(server.url, devices, withIdle ? idle : [])
      log(`  ${devices.length} devices ${name}`)
      run = await reconnectStorm({
        url: server.url,
        devices,
        firstAttemptMs,
        priorFailures: PRIOR_FAILURES,
        requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
        deadlineMs: DEADLINE_MS,
      })
    } finally {
      // A fresh process for each storm: the first may leave a backlog of abandoned requests.
      await server.stop()
    }
    const idleValidations = WARM_UP_CALLS + IDLE_CALLS
    const serverValidations = validationsDone(seeded.dir) - before - idleValidations
    const { answers, ...figures } = run
    const { verified, problems } = await verifyFreshGrants(answers, seeded.rootPublicJwk)
    return {
      ...figures,
      verified,
      problems: problems.slice(0, 5),
      serverValidations,
      wastedValidations: serverValidations - run.outcomes.fresh - run.outcomes.refused,
    }
  }
  const allAtOnce = await storm('all at once', () => 0, true)
  // Near the server's capacity, the p99 with jitter swings from run to run with the bunching of
  // random arrivals: the run with the median p99 of several stands for all of them.
  const jitteredRuns: StormSummary[] = []
  for (let run = 1; run <= JITTERED_RUNS; run++) {
    jitteredRuns.push(
      await storm(
        `spread by the worker’s backoff jitter (run ${run} of ${JITTERED_RUNS})`,
        () => backoffDelay(PRIOR_FAILURES, Math.random),
        false,
      ),
    )
  }
  const byP99 = [...jitteredRuns].sort((a, b) => a.latencyMs.p99 - b.latencyMs.p99)
  const jittered = byP99[Math.floor(byP99.length / 2)] ?? jitteredRuns[0]
  if (!jittered) throw new Error('no storm with jitter ran')
  return {
    devices: devices.length,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    jitterWindowMs: backoffDelay(PRIOR_FAILURES, () => 1),
    deadlineMs: DEADLINE_MS,
    idle: summarize(idle),
    allAtOnce,
    jittered,
    jitteredP99s: jitteredRuns.map((run) => run.latencyMs.p99),
  }
}

/** One check at a time on an idle server, each over a new connection, after a warm-up. */
async function idleLatency(
  url: string,
  devices: readonly SimulatedDevice[],
  samples: number[],
): Promise<void> {
  for (let i = 0; i < WARM_UP_CALLS + IDLE_CALLS; i++) {
    const device = devices[(i * 7919) % devices.length]
    if (!device) throw new Error('no devices')
    const start = performance.now()
    const reply = await sendCheck(url, device, DEFAULT_REQUEST_TIMEOUT_MS)
    if (classify(reply) !== 'fresh')
      throw new Error(`idle check failed: ${reply.status} ${reply.text.slice(0, 200)}`)
    if (i >= WARM_UP_CALLS) samples.push(performance.now() - start)
  }
}
