import { count, kB, megabytes, ms, msPair, percent, times } from '../support/format.ts'
import type { Results, Row } from './Results.ts'

const WORKER_BUDGET = 40_000
const ALL_JS_BUDGET = 170_000
const RSS_BUDGET = 250_000_000

/** The table: every item of issue 6, each figure against its baseline, budgets met or not. */
export function tableRows(results: Results): Row[] {
  return [
    ...offlineRows(results),
    ...hangRows(results),
    ...throughputRows(results),
    ...scaleRows(results),
    ...stormRows(results),
    ...sizeRows(results),
    ...leaseRows(results),
  ]
}

const row = (
  item: string,
  measure: string,
  subject: string,
  baseline = '',
  ratio = '',
  budget = '',
  met: boolean | null = null,
): Row => ({ item, measure, subject, baseline, ratio, budget, met })

function failed(results: Results, item: string, section: string): Row[] {
  const error = results.errors.find((entry) => entry.section === section)
  return [
    row(
      item,
      `${section}: did not run`,
      error?.message.slice(0, 60) ?? 'skipped',
      '',
      '',
      '',
      false,
    ),
  ]
}

function offlineRows(results: Results): Row[] {
  const offline = results.browser?.offline
  if (!offline) return failed(results, '1', 'browser')
  const { warm, cold } = offline
  const isolated = offline.crossOriginIsolated ? '' : ' (NOT cross-origin isolated)'
  return [
    row(
      '1',
      `offline state, warm, p50 / p95 (${warm.state.n} calls)${isolated}`,
      msPair(warm.state.median, warm.state.p95),
      `trivial worker answer ${msPair(warm.trivial.median, warm.trivial.p95)}`,
      `${times(warm.state.median / warm.trivial.median)} / ${times(warm.state.p95 / warm.trivial.p95)}`,
      'p50 ≤ 1.3×',
      warm.state.median / warm.trivial.median <= 1.3 && offline.crossOriginIsolated,
    ),
    row(
      '1',
      'offline state, warm, vs a precached file',
      msPair(warm.state.median, warm.state.p95),
      `Cache Storage hit ${msPair(warm.precached.median, warm.precached.p95)}`,
      `${times(warm.state.median / warm.precached.median)} / ${times(warm.state.p95 / warm.precached.p95)}`,
    ),
    row(
      '1',
      `offline state, cold (worker stopped), p50 / p95 (${cold.state.n})`,
      msPair(cold.state.median, cold.state.p95),
      `trivial, cold ${msPair(cold.trivial.median, cold.trivial.p95)}`,
      `${times(cold.state.median / cold.trivial.median)} / ${times(cold.state.p95 / cold.trivial.p95)}`,
    ),
  ]
}

function hangRows(results: Results): Row[] {
  const hang = results.browser?.hang
  if (!hang) return failed(results, '2', 'browser')
  const ratio = hang.state.median / hang.networkFirst.median
  return [
    row(
      '2',
      `state while the server hangs, p50 / p95 (${hang.state.n})${hang.recheckHeld ? '' : ' (no re-check was held!)'}`,
      msPair(hang.state.median, hang.state.p95),
      `NetworkFirst, 3 s timeout ${msPair(hang.networkFirst.median, hang.networkFirst.p95)}`,
      `${percent(ratio)} / ${percent(hang.state.p95 / hang.networkFirst.p95)}`,
      '< 2 %',
      ratio < 0.02 && hang.recheckHeld,
    ),
  ]
}

function throughputRows(results: Results): Row[] {
  const { crypto, throughput } = results
  if (!crypto) return failed(results, '3', 'crypto')
  if (!throughput) return failed(results, '3', 'throughput')
  const limit = crypto.nodeCrypto.median
  const single = throughput.single.small
  const batch = throughput.batch
  const limitText = `crypto alone (node:crypto) ${count(limit)}/s`
  const singleFraction = single.requestsPerSecond.median / limit
  const batchFraction = batch.checksPerSecond.median / limit
  return [
    row(
      '3',
      'validate, 1 check per request, req/s (median of runs)',
      `${count(single.requestsPerSecond.median)}/s (${count(single.requestsPerSecond.min)}–${count(single.requestsPerSecond.max)})`,
      limitText,
      percent(singleFraction),
      '≥ 60 %',
      singleFraction >= 0.6 && single.failedRequests + single.failedChecks === 0,
    ),
    row(
      '3',
      'validate, 1 check per request, latency p50 / p99',
      msPair(single.latencyP50Ms.median, single.latencyP99Ms.median),
    ),
    row(
      '3',
      'validate, 100 checks per request, checks/s',
      `${count(batch.checksPerSecond.median)}/s (${count(batch.checksPerSecond.min)}–${count(batch.checksPerSecond.max)})`,
      limitText,
      percent(batchFraction),
      '≥ 60 %',
      batchFraction >= 0.6 && batch.failedRequests + batch.failedChecks === 0,
    ),
    row(
      '3',
      'validate, 100 checks per request, latency p50 / p99',
      msPair(batch.latencyP50Ms.median, batch.latencyP99Ms.median),
    ),
  ]
}

function scaleRows(results: Results): Row[] {
  const { throughput, stores } = results
  if (!throughput || !stores) return failed(results, '4', 'throughput')
  const { small, large } = throughput.single
  const ratio = large.requestsPerSecond.median / small.requestsPerSecond.median
  const rss = throughput.largeMemory.maxRss
  return [
    row(
      '4',
      `validate req/s with ${count(stores.large.rows)} licenses`,
      `${count(large.requestsPerSecond.median)}/s`,
      `with ${count(stores.small.rows)}: ${count(small.requestsPerSecond.median)}/s`,
      ratio.toFixed(2),
      '≥ 0.8',
      ratio >= 0.8 && large.failedRequests + large.failedChecks === 0,
    ),
    row(
      '4',
      `server RSS under load, ${count(stores.large.rows)} licenses (max of ${throughput.largeMemory.samples})`,
      megabytes(rss),
      `with ${count(stores.small.rows)}: ${megabytes(throughput.smallMemory.maxRss)}`,
      (rss / throughput.smallMemory.maxRss).toFixed(2),
      '< 250 MB',
      rss > 0 && rss < RSS_BUDGET,
    ),
  ]
}

function stormRows(results: Results): Row[] {
  const rows: Row[] = []
  const retry = results.browser?.retry
  if (retry) {
    rows.push(
      row(
        '5',
        `real worker in Chromium: re-checks in ${retry.seconds} s while the server answers 503`,
        `${count(retry.validateCalls)} (${count(retry.syncDispatched)} Background Sync events)`,
        `DEFAULT_BACKOFF: ${retry.backoffExpected.toFixed(1)}`,
        times(retry.validateCalls / retry.backoffExpected),
      ),
    )
  }
  const storm = results.storm
  if (!storm) return [...rows, ...failed(results, '5', 'storm')]
  const idle = `idle p99 ${ms(storm.idle.p99)}`
  for (const [name, run] of [
    ['with jitter', storm.jittered],
    ['all at once', storm.allAtOnce],
  ] as const) {
    const jittered = run === storm.jittered
    const failures =
      run.outcomes.timeout +
      run.outcomes.networkError +
      run.outcomes.serverError +
      run.outcomes.refused +
      run.outcomes.rateLimitedWithoutRetryAfter
    const ratio = run.latencyMs.p99 / storm.idle.p99
    rows.push(
      row(
        '5',
        jittered
          ? `storm ${name}: p99 latency, median of ${storm.jitteredP99s.length} runs (${storm.jitteredP99s.map((p99) => ms(p99)).join(', ')})`
          : `storm ${name}: p99 latency (${count(run.requests)} requests; first ones sent within ${(run.firstRequestsSentMs / 1000).toFixed(1)} s)`,
        ms(run.latencyMs.p99),
        idle,
        times(ratio),
        jittered ? '< 10×' : '',
        jittered ? ratio < 10 : null,
      ),
      row(
        '5',
        `storm ${name}: failed requests other than 429 + Retry-After`,
        failures === 0
          ? `none (${count(run.outcomes.rateLimited)} × 429)`
          : `${count(failures)}: ${count(run.outcomes.timeout)} timeouts, ${count(run.outcomes.networkError)} network${networkCodes(run.networkErrors)}, ${count(run.outcomes.serverError)} 5xx`,
        '',
        '',
        'none',
        failures === 0,
      ),
      row(
        '5',
        `storm ${name}: fresh grants (verified), peak in flight`,
        `${count(run.verified)}/${count(run.devices)}, ${run.allFreshMs === null ? `not all by ${storm.deadlineMs / 1000} s` : `all by ${(run.allFreshMs / 1000).toFixed(1)} s`}, peak ${count(run.peakInFlight)}`,
        '',
        '',
        'all fresh',
        run.verified === run.devices,
      ),
    )
  }
  return rows
}

function leaseRows(results: Results): Row[] {
  const leases = results.leases
  if (!leases) return failed(results, '15', 'leases')
  const { renew, validate, counted } = leases
  const ratio = renew.requestsPerSecond.median / validate.requestsPerSecond.median
  const failures = renew.failedRequests + renew.failedChecks
  const renewals =
    counted === null
      ? 'metrics not read'
      : `${count(counted.renewed)} renewals, ${count(counted.taken)} taken, ${count(counted.denied)} denied`
  return [
    row(
      '15',
      `lease renewals, req/s (${count(leases.devices)} devices, ${leases.devicesPerLicense} per floating license)${failures > 0 ? `, ${count(failures)} FAILED` : ''}`,
      `${count(renew.requestsPerSecond.median)}/s (${count(renew.requestsPerSecond.min)}–${count(renew.requestsPerSecond.max)})`,
      `validate, same server and devices ${count(validate.requestsPerSecond.median)}/s`,
      ratio.toFixed(2),
    ),
    row(
      '15',
      `lease renewals, latency p50 / p99 (server counted: ${renewals})`,
      msPair(renew.latencyP50Ms.median, renew.latencyP99Ms.median),
      `validate ${msPair(validate.latencyP50Ms.median, validate.latencyP99Ms.median)}`,
      times(renew.latencyP50Ms.median / validate.latencyP50Ms.median),
    ),
  ]
}

function sizeRows(results: Results): Row[] {
  const sizes = results.sizes
  if (!sizes) return failed(results, '6', 'sizes')
  const { worker, totals, precache } = sizes
  return [
    row(
      '6',
      'service worker, gzipped',
      kB(worker.gzip),
      `budget ${kB(WORKER_BUDGET)}`,
      (worker.gzip / WORKER_BUDGET).toFixed(2),
      '< 40 kB',
      worker.gzip < WORKER_BUDGET,
    ),
    row(
      '6',
      'all JavaScript (app + worker), gzipped',
      `${kB(totals.allJsGzip)} (app ${kB(totals.appJsGzip)})`,
      `budget ${kB(ALL_JS_BUDGET)}`,
      (totals.allJsGzip / ALL_JS_BUDGET).toFixed(2),
      '< 170 kB',
      totals.allJsGzip < ALL_JS_BUDGET,
    ),
    row('6', 'CSS, gzipped', kB(totals.cssGzip)),
    row(
      '6',
      `whole precache (${precache.entries} files), gzipped`,
      `${kB(precache.gzip)} (raw ${kB(precache.bytes)})`,
    ),
  ]
}

function networkCodes(codes: Record<string, number>): string {
  const names = Object.keys(codes)
  return names.length === 0 ? '' : ` (${names.join(', ')})`
}
