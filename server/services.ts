import type { CryptoKey } from '../src/core/index.ts'
import { CheckAdmission } from './http/CheckAdmission.ts'
import type { KeyService } from './keys/KeyService.ts'
import { Metrics } from './observability/Metrics.ts'
import { silentLogger } from './observability/logger.ts'
import type { Logger } from './observability/logger.ts'
import { ActivationService } from './services/ActivationService.ts'
import { AdminService } from './services/AdminService.ts'
import { GrantIssuer } from './services/GrantIssuer.ts'
import { LeaseService } from './services/LeaseService.ts'
import type { LeaseEvent } from './services/leaseEvent.ts'
import { LicenseService } from './services/LicenseService.ts'
import { ManifestService } from './services/ManifestService.ts'
import { MemoryRateLimiter } from './services/MemoryRateLimiter.ts'
import type { RateLimit, RateLimiter } from './services/RateLimiter.ts'
import { StoreRateLimiter } from './services/StoreRateLimiter.ts'
import { ShareService } from './services/ShareService.ts'
import { TelemetryService } from './services/TelemetryService.ts'
import type { Store } from './storage/Store.ts'

/** What the server is built from; `createApp` opens no port and reads no environment. */
export interface AppDeps {
  store: Store
  keys: KeyService
  adminToken: string
  /** Secret for the keyed hash of license keys. */
  keyHashSecret: string
  /** The `iss` of every grant. */
  issuer: string
  now?: () => number
  /** Needed only for key rotation through the API; operators may keep it off the server. */
  rootPrivateKey?: CryptoKey | undefined
  limits?: Partial<Limits>
  /**
   * Where rate-limit buckets live: `memory` (one instance) or `store` (the database, so that limits
   * hold across every instance sharing it). Default `memory`.
   */
  rateLimits?: 'memory' | 'store'
  /** The directory of the built app, served beside the API; none: the API only. */
  staticDir?: string | undefined
  /**
   * Origins of the vendor's apps whose pages may call the public API (`/api/…`) from another
   * origin (CORS); never the admin API or the metrics. None by default: same origin only.
   */
  corsOrigins?: readonly string[] | undefined
  /**
   * How many proxies you run in front of the server, each appending to `X-Forwarded-For`; the
   * client address is read that many entries from the right. Default 0: the socket's address.
   */
  trustedProxies?: number
  /** Structured request and error logs; none by default. */
  logger?: Logger
  /** Where the Prometheus metrics are counted; a registry of the app's own by default. */
  metrics?: Metrics
  /** A token that reads `GET /metrics` and nothing else, for the scraper (the admin token also does). */
  metricsToken?: string | undefined
}

export interface Limits {
  activationsPerAddress: RateLimit
  activationsPerLicense: RateLimit
  /** Checks in progress at once, over all validate calls; more are refused with 429 (see CheckAdmission). */
  checksInFlight: number
  /**
   * Check-ins per device through validate, counted once its grant and proof verified. Always kept
   * in memory, per instance, even with `rateLimits: 'store'`: a database write per check would
   * halve check throughput to stop what is abuse either way.
   */
  checkInsPerDevice: RateLimit
}

export const DEFAULT_LIMITS: Limits = {
  activationsPerAddress: { capacity: 20, perMinute: 10 },
  activationsPerLicense: { capacity: 10, perMinute: 5 },
  // About a quarter of a second of work on 2 cores, a few seconds on a small VM: far below the
  // worker's 10 s timeout either way, and above 4 concurrent batches of 100.
  checksInFlight: 512,
  // A worker checks in when its grant is due, at most every 10 minutes at start and on a user's
  // "Check now": 20 at once and one every 10 seconds after is far above that, far below a loop.
  checkInsPerDevice: { capacity: 20, perMinute: 6 },
}

export interface Services {
  store: Store
  keys: KeyService
  manifests: ManifestService
  activations: ActivationService
  licenses: LicenseService
  leases: LeaseService
  shares: ShareService
  admin: AdminService
  telemetry: TelemetryService
  activationsPerAddress: RateLimiter
  checkAdmission: CheckAdmission
  now: () => number
  adminToken: string
  rootPrivateKey: CryptoKey | undefined
  trustedProxies: number
  log: Logger
  metrics: Metrics
  metricsToken: string | undefined
}

/** Wires the services from their dependencies, once per app. */
export function createServices(deps: AppDeps): Services {
  const now = deps.now ?? Date.now
  const limits = { ...DEFAULT_LIMITS, ...deps.limits }
  const manifests = new ManifestService(deps.store, now)
  const issuer = new GrantIssuer(deps.keys, manifests, deps.issuer)
  const limiter = (scope: string, limit: RateLimit): RateLimiter =>
    deps.rateLimits === 'store'
      ? new StoreRateLimiter(deps.store, scope, limit, now)
      : new MemoryRateLimiter(limit, now)
  const metrics = deps.metrics ?? new Metrics()
  const countLease = (event: LeaseEvent) => metrics.lease(event)
  const seats = { store: deps.store, keys: deps.keys, manifests, issuer, now }
  const licenses = new LicenseService({
    ...seats,
    checkInsPerDevice: new MemoryRateLimiter(limits.checkInsPerDevice, now),
  })
  return {
    store: deps.store,
    keys: deps.keys,
    manifests,
    activations: new ActivationService({
      ...seats,
      keyHashSecret: deps.keyHashSecret,
      activationsPerLicense: limiter('activations-per-license', limits.activationsPerLicense),
      countLease,
    }),
    licenses,
    leases: new LeaseService({ store: deps.store, keys: deps.keys, issuer, now, countLease }),
    shares: new ShareService(deps.store, licenses),
    admin: new AdminService(deps.store, manifests, deps.keyHashSecret, now),
    telemetry: new TelemetryService(deps.store, now, deps.keyHashSecret),
    activationsPerAddress: limiter('activations-per-address', limits.activationsPerAddress),
    checkAdmission: new CheckAdmission({ maxInFlight: limits.checksInFlight, now }),
    now,
    adminToken: deps.adminToken,
    rootPrivateKey: deps.rootPrivateKey,
    trustedProxies: deps.trustedProxies ?? 0,
    log: deps.logger ?? silentLogger(),
    metrics,
    metricsToken: deps.metricsToken,
  }
}
