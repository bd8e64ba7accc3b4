import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../../server/buildApp.ts'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../vite.config.ts'
import { buildNetworkFirstWorker } from './browser/buildNetworkFirstWorker.ts'
import { limitNotes } from './report/limitNotes.ts'
import { renderTextTable } from './report/renderTable.ts'
import type { Results } from './report/Results.ts'
import { resultsPage } from './report/resultsPage.ts'
import { tableRows } from './report/tableRows.ts'
import { measureBrowser } from './sections/browser.ts'
import { measureCryptoLimit } from './sections/cryptoLimit.ts'
import { measureDownloadSizes } from './sections/downloadSizes.ts'
import { measureInProcessValidate } from './sections/inProcessValidate.ts'
import { measureLeaseRenewals } from './sections/leaseRenewals.ts'
import { measureStorm } from './sections/storm.ts'
import { measureStoreWrites } from './sections/storeWrites.ts'
import { measureValidateThroughput } from './sections/validateThroughput.ts'
import { seedStore } from './server/seedStore.ts'
import type { SeededStore } from './server/seedStore.ts'
import { stormChart } from './storm/stormChart.ts'
import { DeviceKey } from './support/DeviceKey.ts'
import { describeMachine } from './support/machine.ts'
import { round } from './support/stats.ts'

// `npm run bench`: every item of issue 6 against a baseline measured in this run. Prints the
// table, writes bench/results.json, docs/bench/README.md and docs/bench/storm.svg. Everything it
// makes lives in one temp folder, removed at the end; servers listen on 127.0.0.1:0.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DEVICES = 10_000
const LARGE_STORE_ROWS = 1_000_000
/** Devices on floating licenses (item 15): activated through the server, so fewer than DEVICES. */
const LEASE_DEVICES = 2_000

const started = performance.now()
const temp = mkdtempSync(join(tmpdir(), 'leeway-bench-'))
const removeTemp = () => rmSync(temp, { recursive: true, force: true })
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    removeTemp()
    process.exit(130)
  })
}
const log = (line: string) =>
  process.stderr.write(
    `[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`,
  )

const results: Results = { machine: describeMachine(), durationSeconds: 0, errors: [] }

/** Runs one section; a failure is recorded (its rows say so) and the run goes on. */
async function section<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    log(`${name} failed: ${message}`)
    if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`)
    results.errors.push({ section: name, message })
    return undefined
  }
}

try {
  log('building the app (buildApp) and the NetworkFirst baseline worker')
  const browserData = await openDeployment(join(temp, 'browser-data'), { seedDemo: true })
  const appDir = join(temp, 'app')
  const networkFirstDir = join(temp, 'network-first')
  try {
    const built = await section('build', async () => {
      await buildApp({
        rootPublicJwk: browserData.rootPublicJwk,
        outDir: appDir,
        quiet: true,
        requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
        buildId: 'bench',
      })
      await buildNetworkFirstWorker(networkFirstDir)
      return true
    })
    if (!built) {
      for (const name of ['sizes', 'browser'])
        results.errors.push({ section: name, message: 'the app did not build' })
    } else {
      log('6. download sizes and the worker’s composition')
      results.sizes = await section('sizes', () =>
        measureDownloadSizes(appDir, browserData.rootPublicJwk),
      )

      log('1–2. the worker in headless Chromium')
      // The smallest precached file that is not the app shell: a bare Cache Storage hit.
      const precached = results.sizes?.precache.files
        .filter((file) => !file.path.endsWith('.html'))
        .sort((a, b) => a.bytes - b.bytes)[0]?.path
      results.browser = await section('browser', () =>
        measureBrowser({
          appDir,
          networkFirstDir,
          data: browserData,
          precachedPath: `/${precached ?? 'favicon.svg'}`,
          log,
        }),
      )
      results.machine.chromium = results.browser?.chromium ?? null
    }
  } finally {
    await browserData.store.close()
  }

  log(`device keys: ${DEVICES} P-256 key pairs`)
  const keys: DeviceKey[] = []
  for (let i = 0; i < DEVICES; i++) keys.push(await DeviceKey.generate())

  log(`store of ${DEVICES.toLocaleString('en-US')} licenses and devices`)
  const small = await section('small store', () =>
    seedStore(join(temp, 'store-small'), DEVICES, keys),
  )

  if (small) {
    log('3. the cryptography of one check alone, the server in-process, the store’s writes')
    const data = await openDeployment(small.dir)
    try {
      const device = small.devices[0]
      if (!device) throw new Error('no devices')
      results.crypto = await section('crypto', () => measureCryptoLimit(data, device))
      results.inProcessValidate = await section('in-process', () =>
        measureInProcessValidate(data, small.devices),
      )
    } finally {
      await data.store.close()
    }
    results.storeWrites = await section('store writes', () =>
      measureStoreWrites(small.dir, small.devices),
    )
  }

  log(`store of ${LARGE_STORE_ROWS.toLocaleString('en-US')} licenses and devices`)
  const largeDir = join(temp, 'store-large')
  let large: SeededStore | undefined
  try {
    large = await section('large store', () => seedStore(largeDir, LARGE_STORE_ROWS, keys))
    if (small && large) {
      results.stores = {
        small: { rows: small.rows, seconds: round(small.seconds, 1) },
        large: { rows: large.rows, seconds: round(large.seconds, 1) },
      }
      log('3–4. validate throughput through the real server (autocannon)')
      const { small: s, large: l } = { small, large }
      results.throughput = await section('throughput', () => measureValidateThroughput(s, l, log))
    }
  } finally {
    rmSync(largeDir, { recursive: true, force: true })
  }

  if (small) {
    log('5. reconnect storm')
    results.storm = await section('storm', () => measureStorm(small, log))
  }

  log('15. lease renewals of floating licenses against validate')
  results.leases = await section('leases', () =>
    measureLeaseRenewals(join(temp, 'store-floating'), keys.slice(0, LEASE_DEVICES), log),
  )
} finally {
  removeTemp()
}

results.durationSeconds = round((performance.now() - started) / 1000, 1)
results.machine.loadAtEnd = loadavg()[0] ?? null
const rows = tableRows(results)
const notes = limitNotes(results, rows)

mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true })
writeFileSync(
  join(REPO_ROOT, 'bench/results.json'),
  `${JSON.stringify({ ...roundAll(results), table: rows, notes }, null, 2)}\n`,
)
mkdirSync(join(REPO_ROOT, 'docs/bench'), { recursive: true })
if (results.storm) {
  writeFileSync(
    join(REPO_ROOT, 'docs/bench/storm.svg'),
    stormChart(`Reconnect storm: ${results.storm.devices.toLocaleString('en-US')} devices`, [
      { name: 'all at once', color: '#c0392b', points: results.storm.allAtOnce.inFlight },
      {
        name: `spread by the worker's jitter (${results.storm.jitterWindowMs / 1000} s)`,
        color: '#2471a3',
        points: results.storm.jittered.inFlight,
      },
    ]),
  )
}
writeFileSync(join(REPO_ROOT, 'docs/bench/README.md'), resultsPage(results, rows, notes))

const { machine } = results
console.log(
  `\nLeeway benchmarks — ${machine.date}, ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, Chromium ${machine.chromium ?? 'n/a'}, load ${machine.loadAtStart.toFixed(2)} → ${(machine.loadAtEnd ?? NaN).toFixed(2)}, ${Math.round(results.durationSeconds)} s\n`,
)
console.log(renderTextTable(rows))
if (notes.length > 0)
  console.log(`\nWhat limits the budgets not met:\n${notes.map((note) => `- ${note}`).join('\n')}`)
console.log('\nWritten: bench/results.json, docs/bench/README.md, docs/bench/storm.svg')
if (results.errors.length > 0) process.exitCode = 1

/** Rounds every number for the JSON (timings to the µs, rates to 0.001). */
function roundAll<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' ? round(item) : item)),
  ) as T
}
