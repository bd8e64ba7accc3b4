import { ConfigError } from './ConfigError.ts'

/** How a deployment is kept and protected: the operator's settings (see docs/operations.md). */
export interface DeploymentSettings {
  /** `postgres://…` keeps everything in PostgreSQL, shared by any number of instances. */
  databaseUrl?: string | undefined
  /** Connections per instance to PostgreSQL. */
  poolSize?: number | undefined
  /** Key-encryption key (32 bytes, base64 or hex); on SQLite one is made in the folder if absent. */
  kek?: string | undefined
  /** Earlier KEKs, only to open values they sealed; those are sealed again under `kek` on start. */
  previousKeks?: readonly string[]
  /** Overrides the stored admin token (it is then neither made nor stored). */
  adminToken?: string | undefined
  /** A token that reads `GET /metrics` only (the admin token reads it too). */
  metricsToken?: string | undefined
  /** The secret license keys are hashed with; must equal the stored one if there is one. */
  keyHashSecret?: string | undefined
  /** Checks in progress at once before validate answers 429 (`Limits.checksInFlight`). */
  checksInFlight?: number | undefined
}

/**
 * The settings of a server process, from `LEEWAY_*` and `DATABASE_URL`; a malformed one throws
 * `ConfigError` before anything opens.
 */
export function deploymentSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): DeploymentSettings {
  const text = (name: string) => {
    const value = env[name]?.trim()
    return value ? value : undefined
  }
  const poolSize = text('LEEWAY_PG_POOL_SIZE')
  const checksInFlight = text('LEEWAY_MAX_CHECKS_IN_FLIGHT')
  if (checksInFlight !== undefined && !/^[1-9][0-9]{0,6}$/.test(checksInFlight))
    throw new ConfigError('LEEWAY_MAX_CHECKS_IN_FLIGHT must be a whole number from 1 to 9999999')
  return {
    databaseUrl: text('DATABASE_URL'),
    poolSize: poolSize === undefined ? undefined : Number(poolSize),
    kek: text('LEEWAY_KEK'),
    previousKeks: (text('LEEWAY_KEK_PREVIOUS') ?? '').split(',').filter((k) => k.trim()),
    adminToken: text('LEEWAY_ADMIN_TOKEN'),
    metricsToken: text('LEEWAY_METRICS_TOKEN'),
    keyHashSecret: text('LEEWAY_KEY_HASH_SECRET'),
    checksInFlight: checksInFlight === undefined ? undefined : Number(checksInFlight),
  }
}
