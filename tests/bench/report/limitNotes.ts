import { SINGLE_CONNECTIONS } from '../sections/validateThroughput.ts'
import { count, kB, percent, times } from '../support/format.ts'
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
    const capacity = throughput.single.small.requestsPerSecond.median
    const arrivals = storm.devices / (storm.jitterWindowMs / 1000)
    const run = storm.jittered
    notes.push(
      `5: the server completes about ${count(capacity)} validations/s; ${count(storm.devices)} devices spread over ${storm.jitterWindowMs / 1000} s arrive at about ${count(arrivals)}/s, so requests queue past the worker's ${storm.requestTimeoutMs / 1000} s timeout ` +
        `(${count(run.outcomes.timeout)} timeouts with jitter, ${count(storm.allAtOnce.outcomes.timeout)} all at once), and the server still did ${count(run.wastedValidations + storm.allAtOnce.wastedValidations)} validations nobody was waiting for. ` +
        'Change: the throughput of item 3 first; then shed load instead of queueing: cap validations in flight and answer 429 with a Retry-After spread over the expected drain time (the worker honours it, and a 429 is within the budget), and skip requests whose client has gone. ' +
        "The worker's online/sync path skips the backoff entirely (reconnected: true), so a network restored for many devices at once arrives as the all-at-once storm: a small random delay there would spread it.",
    )
  }
  const retry = browser?.retry
  if (retry && retry.validateCalls > 3 * retry.backoffExpected) {
    notes.push(
      `5: the simulated devices back off as DESIGN.md and the worker's code say, but the real worker in Chromium does not when the server fails fast: one device sent ${count(retry.validateCalls)} validate calls in ${retry.seconds} s against a server answering 503 (DEFAULT_BACKOFF would make about ${retry.backoffExpected.toFixed(1)}), ` +
        `with ${count(retry.syncDispatched)} Background Sync events dispatched and ${count(retry.syncReregistered)} re-registered while firing: a re-check that fails inside the sync event calls registerSync(SYNC_TAG) again, Chromium fires the re-registered tag at once, and the sync path re-checks with reconnected: true, which skips the backoff. ` +
        "A fleet would hammer a recovering server at that rate. Change (sw/sw.ts, LicenseWorker): in the sync handler honour retryAt (reconnected only for the page's online message), never register the tag again from inside its own event (reject it and let the browser reschedule), and add a small random delay to the reconnect path.",
    )
  }
  if (unmet.has('6') && sizes) {
    const parts = sizes.workerParts
      .slice(0, 4)
      .map((part) => `${part.name} ${kB(part.gzip)}`)
      .join(', ')
    const dexie = sizes.workerParts.find((part) => part.name === 'dexie')
    notes.push(
      `6: the worker (${kB(sizes.worker.gzip)}) is mostly ${parts}` +
        (dexie
          ? `; Dexie alone is ${percent(dexie.gzipShare)} of it and its whole build is bundled (it does not tree-shake). `
          : '. ') +
        (sizes.workerWithIdbGzip !== null && sizes.idbGzip !== null
          ? `Change: the store on idb (${kB(sizes.idbGzip)}, already installed through workbox-background-sync) or raw IndexedDB instead of Dexie: about ${kB(sizes.workerWithIdbGzip)}.`
          : ''),
    )
  }
  return notes
}

/** Item 3: where a check's time goes, and what each change would save, from this run's figures. */
function throughputNotes(results: Results, unmet: ReadonlySet<string>): string[] {
  const { crypto, storeWrites, inProcessValidate: inProcess, throughput, machine } = results
  if (!crypto || !storeWrites || !inProcess) return []
  const perCheck = 1e6 / inProcess.rate.median
  const store = inProcess.storeMsPerCheck
  const writes = ((store.rememberProof ?? 0) + (store.checkInDevice ?? 0)) * 1000
  const reads = ((store.findLicense ?? 0) + (store.findDevice ?? 0)) * 1000
  const productCrypto = 1e6 / crypto.productPath.median
  const nodeCrypto = 1e6 / crypto.nodeCrypto.median
  const grouped = 1e6 / storeWrites.groupOf32.median
  const shares = Object.entries(inProcess.profile)
    .slice(0, 6)
    .map(([category, share]) => `${category} ${percent(share)}`)
    .join(', ')
  const notes = [
    `3: one check at a time through the Hono app in one process (no HTTP): ${micro(inProcess.rate.median)} per check. ` +
      `Store calls timed in place: writes (remember the proof, bump seq: two commits, synchronous=FULL) ${us(writes)}, reads ${us(reads)}. ` +
      `The product's cryptography alone (jose/WebCrypto; the device JWK imported on every proof) ${us(productCrypto)}; the same three signature operations with node:crypto ${us(nodeCrypto)}, with jose and keys imported once ${micro(crypto.jose.median)}. ` +
      `Main thread profile: ${shares}. ` +
      `Single ES256 operations here: node:crypto signs ${times(crypto.operations.signNode.median / crypto.operations.signJose.median)} and verifies ${times(crypto.operations.verifyNode.median / crypto.operations.verifyJose.median)} as fast as jose (${count(crypto.operations.signNode.median)} against ${count(crypto.operations.signJose.median)} signatures/s, ${count(crypto.operations.verifyNode.median)} against ${count(crypto.operations.verifyJose.median)} verifications/s).`,
  ]
  if (throughput) {
    const rps = throughput.single.small.requestsPerSecond.median
    notes.push(
      `3: over HTTP with ${SINGLE_CONNECTIONS} connections the server did ${count(rps)}/s (${micro(rps)} per check): the rest is HTTP, connection handling and two cores shared with autocannon (and with whatever else ran: load average ${machine.loadAtStart.toFixed(1)} at the start).`,
    )
  }
  if (unmet.has('3')) {
    const saved = Math.max(0, productCrypto - nodeCrypto) + Math.max(0, writes - grouped)
    const after = Math.max(perCheck - saved, 1)
    const needed = 1e6 / (0.6 * crypto.nodeCrypto.median)
    notes.push(
      `3: 60 % of the limit leaves ${us(needed)} of server time per check. Changes, with what each saves here: ` +
        `ES256 through node:crypto with KeyObjects cached per signing key and per device key, WebCrypto kept in the browser (≈ ${us(productCrypto - nodeCrypto)}); ` +
        `a check's two writes in one transaction (${count(storeWrites.oneCommit.median)}/s against ${count(storeWrites.twoCommits.median)}/s for two commits) and group commit of the checks in flight, each answered after its commit (32 per commit: ${count(storeWrites.groupOf32.median)}/s, ≈ ${us(writes - grouped)}); ` +
        `prepared statements kept instead of one per query (Kysely's SQLite driver prepares every time). ` +
        `With the first two, about ${us(after)} per check in process (≈ ${count(1e6 / after)}/s, ${percent(1e6 / after / crypto.nodeCrypto.median)} of the limit): the budget also needs the per-request overhead (Hono, valibot, Kysely, JSON) cut, or validation spread over more cores (node:cluster; SQLite in WAL takes concurrent readers, and one writer with group commit).`,
    )
  }
  return notes
}

function us(microseconds: number): string {
  return `${Math.round(microseconds).toLocaleString('en-US')} µs`
}
