import { createApp } from '../../../server/app.ts'
import type { Deployment } from '../../../server/deployment/openDeployment.ts'
import type { Store } from '../../../server/storage/Store.ts'
import { BENCH_LIMITS } from '../server/benchLimits.ts'
import type { SimulatedDevice } from '../server/seedStore.ts'
import { validateBodies } from '../server/validateBodies.ts'
import { profileShares } from '../support/profileShares.ts'
import { opsPerSecond } from '../support/rate.ts'
import type { Summary } from '../support/stats.ts'

export interface InProcessValidate {
  /** Checks per second, one request of one check at a time. */
  rate: Summary
  /** Time in each store method, in ms per check (measured around the calls, in the same runs). */
  storeMsPerCheck: Record<string, number>
  /** Shares of the main thread's time by category, from a CPU profile of more of the same. */
  profile: Record<string, number>
}

/**
 * `POST /api/v1/validate` with one check through the server's Hono app in this process
 * (`app.request`, no socket), one request at a time: the server's own cost per check, without
 * HTTP and without concurrency, and where it goes. The store is wrapped to time its calls (the
 * app takes its store as a dependency; no product code changes).
 */
export async function measureInProcessValidate(
  data: Deployment,
  devices: readonly SimulatedDevice[],
): Promise<InProcessValidate> {
  const storeTime = new Map<string, number>()
  const app = createApp(data.deps({ store: timed(data.store, storeTime), limits: BENCH_LIMITS }))
  const pool = validateBodies(devices, 10_000, 1)
  let next = 0
  let checks = 0
  const validateOnce = async () => {
    const body = pool[next++] ?? validateBodies(devices, 1, 1, next)[0]
    const response = await app.request('/api/v1/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const text = await response.text()
    if (response.status !== 200 || !text.includes('"ok":true'))
      throw new Error(`in-process validate failed: ${response.status} ${text.slice(0, 200)}`)
    checks += 1
  }
  const rate = await opsPerSecond(validateOnce, { rounds: 5, roundMs: 400 })
  const storeMsPerCheck = Object.fromEntries(
    [...storeTime].map(([method, ms]) => [method, ms / checks]),
  )
  const profile = await profileShares(async () => {
    for (let i = 0; i < 400; i++) await validateOnce()
  }, categorize)
  return { rate, storeMsPerCheck, profile }
}

/** The store with every method call timed into `totals` (ms). */
function timed(store: Store, totals: Map<string, number>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      return async (...args: unknown[]) => {
        const start = performance.now()
        try {
          return (await (value as (...a: unknown[]) => unknown).apply(target, args)) as unknown
        } finally {
          totals.set(property, (totals.get(property) ?? 0) + performance.now() - start)
        }
      }
    },
  })
}

const SQLITE_NATIVE = new Set(['run', 'all', 'get', 'iterate', 'exec', 'pragma'])
const CRYPTO_NATIVE = /Job$|Jwk|EcKey|KeyObject|^(sign|verify|digest|createHash)/i

/** Groups profile frames into what a performance engineer would act on. */
function categorize(url: string, functionName: string): string {
  if (url === '' && SQLITE_NATIVE.has(functionName))
    return 'SQLite: executing statements (incl. commits and fsync)'
  if (url === '' && functionName === 'Statement') return 'SQLite: preparing statements'
  if (url.includes('better-sqlite3') || url.includes('kysely/dist/esm/dialect/sqlite'))
    return 'SQLite: driver'
  if (url.includes('/kysely/')) return 'Kysely query building'
  if (functionName === '(idle)') return 'idle (awaiting crypto jobs on the thread pool)'
  if (
    url.includes('node:internal/crypto') ||
    // Every imported key becomes a transferable CryptoKey object.
    url.includes('node:internal/worker/js_transferable') ||
    url.includes('/jose/') ||
    (url === '' && CRYPTO_NATIVE.test(functionName))
  )
    return 'crypto on the main thread (key import, encoding)'
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (
    url.includes('/hono/') ||
    url.includes('@hono') ||
    url.includes('undici') ||
    url.includes('webstreams')
  )
    return 'Hono and Request/Response'
  if (url.includes('/valibot/')) return 'valibot'
  if (url.includes('/src/core/') || url.includes('/server/')) return 'Leeway code'
  return 'runtime and other'
}
