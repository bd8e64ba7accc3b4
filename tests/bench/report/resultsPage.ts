import type { Results, Row } from './Results.ts'
import { renderMarkdownTable } from './renderTable.ts'

/** docs/bench/README.md: the latest table, the chart, and what limits each budget not met. */
export function resultsPage(
  results: Results,
  rows: readonly Row[],
  notes: readonly string[],
): string {
  const { machine } = results
  return `# Benchmarks: the latest run

Written by \`npm run bench\` (tests/bench/run.ts) on ${machine.date.slice(0, 10)}: ${machine.cores} cores (${machine.cpu}),
Node ${machine.node}, Chromium ${machine.chromium ?? 'n/a'}, load average ${machine.loadAtStart.toFixed(2)} at the start
(the machine may be shared: compare ratios, which are measured against baselines in the same run, rather than absolute figures).
Every figure is in [bench/results.json](../../bench/results.json). The run took ${Math.round(results.durationSeconds)} s.

${renderMarkdownTable(rows)}

## What limits the budgets not met

${notes.length === 0 ? 'Every budget is met.' : notes.map((note) => `- ${note}`).join('\n')}

## Reconnect storm

![Requests in flight over time, all at once and spread by the worker's jitter](storm.svg)

## How each figure is measured

1. **Offline decision.** The product's worker, built by \`buildApp\` into a temp folder and served with COOP/COEP
   (so \`performance.now()\` is precise to 5 µs) in headless Chromium with the network cut
   (\`context.setOffline\`). Baseline: \`GET /_license/bench-baseline\`, answered with a 404 by the same worker's
   \`/_license/*\` router without touching its store: the product worker has no trivial route, and a second worker
   would not be the same one. A precached file (a Cache Storage hit through Workbox's precache route) is shown too.
   500 calls of each, interleaved, after 50 of warm-up. Cold: the worker is stopped through CDP
   (\`ServiceWorker.stopAllWorkers\`) before each call, so it starts, opens IndexedDB and verifies the grant.
2. **Server hangs.** A license with a 4 s re-check interval; the fault proxy holds every \`/api\` request; the first
   state call starts the background re-check, which hangs (checked in the proxy's log). Baseline: a bench-only worker
   with Workbox's \`NetworkFirst({ networkTimeoutSeconds: 3 })\` on a GET of the same API, primed while the server
   answered.
3. **Validate throughput.** The real server (\`openDeployment\` + \`listen\`, SQLite) in its own process on 127.0.0.1,
   autocannon in the bench's process (32 connections; 4 for batches), a fixed number of requests per run, each with
   distinct pre-signed proofs (proofs are single-use). Every answer is checked for a fresh grant. The limit is
   the three signature operations of a check (verify the proof, verify the grant, sign the new grant) with
   node:crypto, one at a time in one process. The server logs a JSON line per request at its default level,
   into a file. CPU per check: the server's main thread and all its threads from /proc, autocannon's own
   \`process.cpuUsage()\`.
4. **Scale.** The same against a store of 1,000,000 licenses and devices (inserted with direct SQL in one
   transaction), in runs alternating with the 10,000 store; resident memory read from /proc every 200 ms.
5. **Storm.** 10,000 devices with real P-256 keys and grants, each over a connection of its own, with the
   worker's 10 s request timeout; on failure they retry with the worker's backoff (full jitter), on 429 after
   Retry-After. Each storm has a fresh server process, first warmed by the idle series below. All at once: every
   device at t = 0 (the network came back for all of them: the worker's
   online/sync path skips the backoff). With jitter: each device had failed 4 times in the outage, so its next
   try is \`backoffDelay(4)\`, uniform over 16 s; three such runs, each on its own server, and the one with the median p99
   is shown (the server runs near its capacity there, and one run's p99 swings with the bunching of arrivals). Every grant brought back is verified as the worker would
   (signature, device binding, the proof's nonce, a higher seq). Idle baseline: 300 checks one at a time.
   Beside it, the real worker in Chromium: one device's validate calls for 10 s after its re-check meets a
   server answering 503, with the Background Sync events Chromium dispatched (CDP \`BackgroundService\`),
   against the attempts \`DEFAULT_BACKOFF\` would make.
6. **Downloads.** gzip level 9 of the built files; the worker's composition from a second build of sw/sw.ts with
   the same defines, each package minified and gzipped alone to split the real size.

**15. Lease renewals** (floating licenses, issue 15). 2,000 devices on floating licenses of 4 at once (500
licenses), each activated through the server in-process, so the rows, leases and grants are its own; then the
real server in its own process, as in item 3, answers \`POST /api/v1/lease\` from devices that already hold a
lease (every call a renewal: a signed grant, and a write of the lease and the device's seq in one transaction
holding the license row's lock), in 5 runs alternating with 5 runs of validate (one check per request) by the
same devices on the same server. After the runs the server's \`leeway_leases_total\` is read: the renewals must
all be counted as \`renewed\`, none \`taken\` or \`denied\`.
`
}
