import { LicenseServerProcess } from '../server/LicenseServerProcess.ts'
import { loadValidate } from '../server/loadValidate.ts'
import type { LoadRun } from '../server/loadValidate.ts'
import type { SeededStore } from '../server/seedStore.ts'
import { summarize } from '../support/stats.ts'
import type { Summary } from '../support/stats.ts'

/** Concurrent connections of autocannon: enough to keep one server process saturated. */
export const SINGLE_CONNECTIONS = 32
export const BATCH_CONNECTIONS = 4
export const BATCH_SIZE = 100
const RUNS = 5
const RUN_SECONDS = 4

export interface LoadSeries {
  runs: LoadRun[]
  requestsPerSecond: Summary
  checksPerSecond: Summary
  latencyP50Ms: Summary
  latencyP99Ms: Summary
  failedRequests: number
  failedChecks: number
}

/** CPU time per check during the single-check runs on the small store, in µs. */
export interface CpuPerCheck {
  serverMainThread: number
  serverAllThreads: number
  loadGenerator: number
}

export interface ThroughputResults {
  runSeconds: number
  cpuPerCheck: CpuPerCheck
  single: { small: LoadSeries; large: LoadSeries }
  batch: LoadSeries
  /** Resident memory of the server on the large store, sampled every 200 ms under load. */
  largeMemory: { maxRss: number; peakRss: number; samples: number }
  smallMemory: { maxRss: number; peakRss: number; samples: number }
}

/**
 * Items 3 and 4: the real server (a child process on 127.0.0.1) under autocannon, one check per
 * request on the small store and the large one in alternating runs (so drift on a shared machine
 * hits both alike), then batches of 100 checks on the small one.
 */
export async function measureValidateThroughput(
  small: SeededStore,
  large: SeededStore,
  log: (line: string) => void,
): Promise<ThroughputResults> {
  const smallServer = await LicenseServerProcess.start(small.dir)
  const largeServer = await LicenseServerProcess.start(large.dir)
  const offsets = new Map<SeededStore, number>()
  const run = async (store: SeededStore, server: LicenseServerProcess, options: RunShape) => {
    const firstDevice = offsets.get(store) ?? 0
    offsets.set(store, firstDevice + options.requests * options.checksPerRequest)
    return loadValidate({ url: server.url, devices: store.devices, firstDevice, ...options })
  }
  const sampler = (server: LicenseServerProcess) => {
    const memory = { maxRss: 0, peakRss: 0, samples: 0 }
    let timer: NodeJS.Timeout | undefined
    return {
      memory,
      start: () => {
        timer = setInterval(() => {
          void server.memory().then(({ rss, peakRss }) => {
            memory.maxRss = Math.max(memory.maxRss, rss)
            memory.peakRss = Math.max(memory.peakRss, peakRss)
            memory.samples += 1
          })
        }, 200)
      },
      stop: () => clearInterval(timer),
    }
  }
  const largeSampler = sampler(largeServer)
  const smallSampler = sampler(smallServer)
  try {
    log(`  warm-up, then ${RUNS} runs each of one check per request, alternating stores`)
    const single = (requests: number) => ({
      checksPerRequest: 1,
      connections: SINGLE_CONNECTIONS,
      requests,
    })
    const warmSmall = await run(small, smallServer, single(400))
    const warmLarge = await run(large, largeServer, single(400))
    const rate = Math.min(warmSmall.requestsPerSecond, warmLarge.requestsPerSecond)
    const requests = clamp(Math.round(rate * RUN_SECONDS), 300, 60_000)
    const smallRuns: LoadRun[] = []
    const largeRuns: LoadRun[] = []
    const cpu = { serverMainThread: 0, serverAllThreads: 0, loadGenerator: 0, checks: 0 }
    for (let i = 0; i < RUNS; i++) {
      smallSampler.start()
      const server0 = smallServer.cpu()
      const generator0 = process.cpuUsage()
      const smallRun = await run(small, smallServer, single(requests))
      const generator = process.cpuUsage(generator0)
      const server1 = smallServer.cpu()
      cpu.serverMainThread += server1.mainMicros - server0.mainMicros
      cpu.serverAllThreads += server1.totalMicros - server0.totalMicros
      cpu.loadGenerator += generator.user + generator.system
      cpu.checks += smallRun.checks
      smallRuns.push(smallRun)
      smallSampler.stop()
      largeSampler.start()
      largeRuns.push(await run(large, largeServer, single(requests)))
      largeSampler.stop()
    }

    log(`  ${RUNS} runs of ${BATCH_SIZE} checks per request`)
    const batch = (requests: number) => ({
      checksPerRequest: BATCH_SIZE,
      connections: BATCH_CONNECTIONS,
      requests,
    })
    const warmBatch = await run(small, smallServer, batch(8))
    const batchRequests = clamp(Math.round(warmBatch.requestsPerSecond * RUN_SECONDS), 8, 600)
    const batchRuns: LoadRun[] = []
    for (let i = 0; i < RUNS; i++)
      batchRuns.push(await run(small, smallServer, batch(batchRequests)))
    return {
      runSeconds: RUN_SECONDS,
      cpuPerCheck: {
        serverMainThread: cpu.serverMainThread / cpu.checks,
        serverAllThreads: cpu.serverAllThreads / cpu.checks,
        loadGenerator: cpu.loadGenerator / cpu.checks,
      },
      single: { small: series(smallRuns), large: series(largeRuns) },
      batch: series(batchRuns),
      largeMemory: largeSampler.memory,
      smallMemory: smallSampler.memory,
    }
  } finally {
    largeSampler.stop()
    smallSampler.stop()
    await smallServer.stop()
    await largeServer.stop()
  }
}

interface RunShape {
  checksPerRequest: number
  connections: number
  requests: number
}

/** The summary of a series of runs. */
export function series(runs: LoadRun[]): LoadSeries {
  return {
    runs,
    requestsPerSecond: summarize(runs.map((run) => run.requestsPerSecond)),
    checksPerSecond: summarize(runs.map((run) => run.checksPerSecond)),
    latencyP50Ms: summarize(runs.map((run) => run.latencyMs.p50)),
    latencyP99Ms: summarize(runs.map((run) => run.latencyMs.p99)),
    failedRequests: runs.reduce((sum, run) => sum + run.failedRequests, 0),
    failedChecks: runs.reduce((sum, run) => sum + run.failedChecks, 0),
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}
