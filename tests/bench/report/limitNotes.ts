import { SINGLE_CONNECTIONS } from '../sections/validateThroughput.ts'
import { count, kB, ms, percent } from '../support/format.ts'
import type { Results, Row } from './Results.ts'

const micro = (perSecond: number) => `${Math.round(1e6 / perSecond).toLocaleString('en-US')} µs`

/**
 * For each item with a budget not met: what limits it, from the figures of this run, and the
 * change that would lift it. Also the breakdown behind item 3 whatever its verdict.
 */
export function limitNotes(results: Results, rows: readonly Row[]): string[] {
  const unmet = new Set(rows.filter((row) => row.met === false).map((row) => row.item))
  const notes: string[] = []
  const { browser, crypto, storeWrites, inProcessValidate, throughput, storm, sizes } = results

  if (unmet.has('1') && browser) {
    const { warm } = browser.offline
    notes.push(
      `1: the state handler costs ${(warm.state.median - warm.trivial.median).toFixed(2)} ms more than a trivial answer of the same worker at p50; warm state comes from memory (no IndexedDB read), so the difference is evaluate() and the JSON of the state.`,
    )
  }
  if (unmet.has('2') && browser) {
    notes.push(
      `2: the state answered in ${browser.hang.state.median.toFixed(2)} ms at p50 while the re-check hung; see the row for whether a re-check was held at all.`,
    )
  }
  if (crypto && storeWrites && inProcessValidate) notes.push(...throughputNotes(results, unmet))
  if (unmet.has('4') && throughput) {
    notes.push(
      `4: with the large store the server did ${count(throughput.single.large.requestsPerSecond.median)}/s against ${count(throughput.single.small.requestsPerSecond.median)}/s; every lookup is by primary key, so a gap points at the page cache (SQLite's default cache is 2 MB; PRAGMA cache_size/mmap_size would keep the hot part of the B-trees in memory).`,
    )
  }
  if (unmet.has('5') && storm && throughput) {
    const arrivals = storm.devices / (storm.jitterWindowMs / 1000)
    const run = storm.jittered
    notes.push(
      `5: with jitter, ${count(storm.devices)} devices arrive at about ${count(arrivals)}/s over ${storm.jitterWindowMs / 1000} s, each over a new connection, and the server keeps up on average (all fresh by ${run.allFreshMs === null ? 'never' : `${(run.allFreshMs / 1000).toFixed(1)} s`}), but it runs near its capacity: on these 2 cores, shared with the 10,000 simulated devices, the server's event loop spends ${us(throughput.cpuPerCheck.serverMainThread)} on a check over a kept-alive connection (item 3), and more over a new connection with a device key it has not seen yet, so random bunching of arrivals builds queues of up to ${count(run.peakInFlight)} requests, and the p99 (${ms(run.latencyMs.p99)}) is that queue's wait, against a median of ${ms(run.latencyMs.median)}. ` +
        `The queue forms in the kernel's accept queue, before the server has read a request, so load shedding (which counts checks in progress) does not see it (${count(run.outcomes.rateLimited)} × 429 here; all at once it turned ${count(storm.allAtOnce.outcomes.rateLimited)} away). ` +
        'What would lift it: fewer milliseconds per validation on the event loop (item 3), more cores or instances (several instances share PostgreSQL), or a proxy in front that reuses connections to the server.',
    )
  }
  const retry = browser?.retry
  if (retry && retry.validateCalls > 3 * retry.backoffExpected) {
    notes.push(
      `5: the simulated devices back off as the worker's code says, but the real worker in Chromium does not when the server fails fast: one device sent ${count(retry.validateCalls)} validate calls in ${retry.seconds} s against a server answering 503 (DEFAULT_BACKOFF would make about ${retry.backoffExpected.toFixed(1)}), ` +
        `with ${count(retry.syncDispatched)} Background Sync events dispatched and ${count(retry.syncReregistered)} re-registered while firing: a re-check that fails inside the sync event calls registerSync(SYNC_TAG) again, Chromium fires the re-registered tag at once, and the sync path re-checks with reconnected: true, which skips the backoff. ` +
        "A fleet would hammer a recovering server at that rate. Change (sw/sw.ts, LicenseWorker): in the sync handler honour retryAt (reconnected only for the page's online message), never register the tag again from inside its own event (reject it and let the browser reschedule), and add a small random delay to the reconnect path.",
    )
  }
  if (unmet.has('6') && sizes) {
    const parts = sizes.workerParts
      .slice(0, 4)
      .map((part) => `${part.name} ${kB(part.gzip)} (${percent(part.gzipShare)})`)
      .join(', ')
    notes.push(`6: the worker (${kB(sizes.worker.gzip)}) is mostly ${parts}.`)
  }
  return notes
}

/** Item 3: where a check's time goes, and what limits the rate, from this run's figures. */
function throughputNotes(results: Results, unmet: ReadonlySet<string>): string[] {
  const { crypto, storeWrites, inProcessValidate: inProcess, throughput, machine } = results
  if (!crypto || !storeWrites || !inProcess) return []
  const store = inProcess.storeMsPerCheck
  const writes = (store.checkInDevice ?? 0) * 1000
  const reads = ((store.findLicense ?? 0) + (store.findDevice ?? 0)) * 1000
  const shares = Object.entries(inProcess.profile)
    .slice(0, 6)
    .map(([category, share]) => `${category} ${percent(share)}`)
    .join(', ')
  const notes = [
    `3: one check at a time through the Hono app in one process (no HTTP): ${micro(inProcess.rate.median)} per check. ` +
      `Store calls timed in place: the check-in (proof and device in one commit, synchronous=FULL; checks this close together also wait out the group commit's spacing) ${us(writes)}, reads ${us(reads)}; with 32 check-ins in flight the group commit makes ${count(storeWrites.productConcurrent.median)}/s against ${count(storeWrites.product.median)}/s one at a time. ` +
      `The product's cryptography for one check, alone: ${micro(crypto.productPath.median)} (node:crypto on the thread pool, device keys cached); the same three signature operations called synchronously ${micro(crypto.nodeCrypto.median)}, with jose (WebCrypto) ${micro(crypto.jose.median)}. ` +
      `Main thread profile: ${shares}.`,
  ]
  if (throughput) {
    const rps = throughput.single.small.requestsPerSecond.median
    const cpu = throughput.cpuPerCheck
    const spent = cpu.serverAllThreads + cpu.loadGenerator
    notes.push(
      `3: over HTTP with ${SINGLE_CONNECTIONS} connections the server did ${count(rps)}/s. CPU per check: the server's event loop ${us(cpu.serverMainThread)}, the server in all (with the cryptography on libuv's thread pool) ${us(cpu.serverAllThreads)}, autocannon ${us(cpu.loadGenerator)}: ${us(spent)} per check on ${machine.cores} cores caps the rate near ${count((machine.cores * 1e6) / spent)}/s (load average ${machine.loadAtStart.toFixed(1)} at the start).`,
    )
    if (unmet.has('3')) {
      const needed = (machine.cores * 1e6) / (0.6 * crypto.nodeCrypto.median)
      notes.push(
        `3: 60 % of the limit (${count(0.6 * crypto.nodeCrypto.median)}/s) leaves ${us(needed)} of CPU per check for server and load generator together, of which the signatures alone take about ${us(1e6 / crypto.nodeCrypto.median)}. ` +
          'What is left to cut is the per-request work of the event loop: HTTP parsing, Hono, valibot, Kysely building each query, JSON and base64 of the tokens, the request log line, and a commit per few checks. ' +
          'Beyond that, more cores: node:cluster over one SQLite file (WAL takes concurrent readers and one writer) or several instances on PostgreSQL.',
      )
    }
  }
  return notes
}

function us(microseconds: number): string {
  return `${Math.round(microseconds).toLocaleString('en-US')} µs`
}
