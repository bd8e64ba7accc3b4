import type { CryptoKey } from '../src/core/index.ts'
import type { KeyService } from './keys/KeyService.ts'
import { AdminService } from './services/AdminService.ts'
import { GrantIssuer } from './services/GrantIssuer.ts'
import { LicenseService } from './services/LicenseService.ts'
import { ManifestService } from './services/ManifestService.ts'
import { RateLimiter } from './services/RateLimiter.ts'
import type { RateLimit } from './services/RateLimiter.ts'
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
  /** The directory of the built app, served beside the API. */
  staticDir?: string | undefined
  /** Trust `X-Forwarded-For` for the client address (only behind a proxy you run). */
  trustProxy?: boolean
}

export interface Limits {
  activationsPerAddress: RateLimit
  activationsPerLicense: RateLimit
}

export const DEFAULT_LIMITS: Limits = {
  activationsPerAddress: { capacity: 20, perMinute: 10 },
  activationsPerLicense: { capacity: 10, perMinute: 5 },
}

export interface Services {
  store: Store
  keys: KeyService
  manifests: ManifestService
  licenses: LicenseService
  admin: AdminService
  activationsPerAddress: RateLimiter
  now: () => number
  adminToken: string
  rootPrivateKey: CryptoKey | undefined
  trustProxy: boolean
}

/** Wires the services from their dependencies, once per app. */
export function createServices(deps: AppDeps): Services {
  const now = deps.now ?? Date.now
  const limits = { ...DEFAULT_LIMITS, ...deps.limits }
  const manifests = new ManifestService(deps.store, now)
  const issuer = new GrantIssuer(deps.keys, manifests, deps.issuer)
  return {
    store: deps.store,
    keys: deps.keys,
    manifests,
    licenses: new LicenseService({
      store: deps.store,
      keys: deps.keys,
      manifests,
      issuer,
      keyHashSecret: deps.keyHashSecret,
      now,
      activationsPerLicense: new RateLimiter(limits.activationsPerLicense, now),
    }),
    admin: new AdminService(deps.store, manifests, deps.keyHashSecret, now),
    activationsPerAddress: new RateLimiter(limits.activationsPerAddress, now),
    now,
    adminToken: deps.adminToken,
    rootPrivateKey: deps.rootPrivateKey,
    trustProxy: deps.trustProxy ?? false,
  }
}
