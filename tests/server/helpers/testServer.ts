import Sqlite from 'better-sqlite3'
import type { Hono } from 'hono'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, inject } from 'vitest'
import { createApp } from '../../../server/app.ts'
import { openDeployment } from '../../../server/deployment/openDeployment.ts'
import type {
  Deployment,
  OpenDeploymentOptions,
} from '../../../server/deployment/openDeployment.ts'
import { Kek } from '../../../server/keys/Kek.ts'
import type { Backend } from '../../../server/storage/KyselyStore.ts'
import { createPgPool } from '../../../server/storage/openPostgres.ts'
import type { Database } from '../../../server/storage/schema.ts'
import type { AppDeps, Limits } from '../../../server/services.ts'
import {
  createKeyRing,
  createRequestCode,
  exportKey,
  generateEcKeyPair,
  parseGrantClaims,
  peekPayload,
  signProof,
  thumbprint,
  toPublicJwk,
  verifyGrant,
} from '../../../src/core/index.ts'
import type {
  ApiErrorBody,
  CheckResult,
  CreatedLicense,
  FloatingSettings,
  CryptoKey,
  GrantClaims,
  GrantResponse,
  ProofEndpoint,
  PublicJwk,
  ValidateResponse,
} from '../../../src/core/index.ts'

export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const DAY = 24 * 60 * MINUTE

/** The endpoints a device's proofs are made for. */
export const VALIDATE: ProofEndpoint = { htm: 'POST', htu: '/api/v1/validate' }
export const DEACTIVATE: ProofEndpoint = { htm: 'POST', htu: '/api/v1/deactivate' }
export const CREATE_SHARE: ProofEndpoint = { htm: 'POST', htu: '/api/v1/shares' }
export const stopShare = (id: string): ProofEndpoint => ({
  htm: 'DELETE',
  htu: `/api/v1/shares/${id}`,
})

/** Where every test server's clock starts: a fixed instant, so runs do not depend on the date. */
export const START = Date.UTC(2026, 2, 2, 9, 0, 0)

/** Limits far above what any suite needs, for suites that are not about rate limiting. */
export const GENEROUS_LIMITS: Limits = {
  activationsPerAddress: { capacity: 100_000, perMinute: 100_000 },
  activationsPerLicense: { capacity: 100_000, perMinute: 100_000 },
  checksInFlight: 100_000,
  checkInsPerDevice: { capacity: 100_000, perMinute: 100_000 },
}

/** The server's time, moved only by the test. */
export interface Clock {
  now(): number
  advance(ms: number): void
}

export function createClock(start = START): Clock {
  let t = start
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    },
  }
}

// The wire contract, as the suites read answers.
export type { ApiErrorBody, CheckResult, CreatedLicense } from '../../../src/core/index.ts'
export type GrantBody = GrantResponse
export type ValidateBody = ValidateResponse

export interface Device {
  id: string
  name: string
  platform: string
  publicKey: PublicJwk
  privateKey: CryptoKey
  jkt: string
}

export interface Check {
  grant: string
  proof: string
}

/** Every row of every table, read through a separate connection to the database. */
export type Snapshot = Record<string, unknown[]>

// Each table with the columns that order its rows (its primary key): the same order on both backends.
const TABLES = {
  licenses: ['id'],
  devices: ['license_id', 'device_id'],
  signing_keys: ['kid'],
  manifests: ['version'],
  used_proofs: ['proof_hash'],
  settings: ['key'],
  telemetry_daily: ['day', 'product', 'policy_version'],
  shares: ['id'],
  telemetry_markers: ['day', 'marker'],
  leases: ['license_id', 'device_id'],
  lease_waits: ['license_id', 'device_id'],
  admin_audit: ['id'],
} as const satisfies Partial<Record<keyof Database, readonly string[]>>

/** The backend this run covers: the `server` project runs SQLite, `server-pg` PostgreSQL. */
export const BACKEND: Backend =
  process.env.LEEWAY_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite'

// One KEK for every test database of this process, so that child processes can be handed it.
const TEST_KEK = Kek.generate()

/** A database of its own for one test server: a file in its folder, or a PostgreSQL schema. */
export interface TestDatabase {
  backend: Backend
  /** What `openDeployment` needs to open it (and a child process gets as DATABASE_URL, LEEWAY_KEK). */
  options: OpenDeploymentOptions
  /** A second connection, as another process sees the data. */
  openReader(dir: string): Kysely<Database>
  /** Drops the schema (PostgreSQL); the folder of an SQLite database is removed by its owner. */
  drop(): Promise<void>
}

/**
 * A fresh database for one server on this run's backend. On PostgreSQL it is a new schema in the
 * run's database (see setup/postgresDatabase.ts), selected through the URL's `search_path`.
 */
/**
 * For suites that open deployments themselves: `freshFolder()` makes a temporary data folder and
 * a test database, and `afterTest(cleanup)` registers what a test opened; after each test all of
 * it is closed in reverse order. Call at the top level of a suite (it adds an `afterEach`).
 */
export function testDeployments(prefix: string): {
  freshFolder(): Promise<{ dir: string; database: TestDatabase }>
  afterTest(cleanup: () => Promise<unknown> | unknown): void
} {
  let cleanups: (() => Promise<unknown> | unknown)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    cleanups = []
  })
  return {
    async freshFolder() {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      const database = await createTestDatabase()
      cleanups.push(async () => {
        await database.drop()
        rmSync(dir, { recursive: true, force: true })
      })
      return { dir, database }
    },
    afterTest: (cleanup) => void cleanups.push(cleanup),
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (BACKEND === 'sqlite') {
    return {
      backend: 'sqlite',
      options: {},
      openReader: (dir) =>
        new Kysely<Database>({
          dialect: new SqliteDialect({
            database: new Sqlite(join(dir, 'leeway.db'), { readonly: true }),
          }),
        }),
      drop: () => Promise.resolve(),
    }
  }
  const base = inject('postgresUrl')
  const schema = `t_${randomBytes(6).toString('hex')}`
  await runOnce(base, `CREATE SCHEMA ${schema}`)
  const url = new URL(base)
  url.searchParams.set('options', `-c search_path=${schema}`)
  const databaseUrl = url.toString()
  return {
    backend: 'postgres',
    options: { databaseUrl, kek: TEST_KEK, poolSize: 5 },
    openReader: () =>
      new Kysely<Database>({
        dialect: new PostgresDialect({ pool: createPgPool(databaseUrl, 2) }),
      }),
    drop: () => runOnce(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  }
}

async function runOnce(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * Every row of the tables that hold licensing data (rate-limit buckets are bookkeeping, not data).
 * The promise carries a serial number of its own: a snapshot compared without `await` fails
 * instead of two pending promises passing as equal.
 */
export function snapshotOf(reader: Kysely<Database>): Promise<Snapshot> {
  const read = async () => {
    const snapshot: Snapshot = {}
    for (const [table, order] of Object.entries(TABLES)) {
      let query = reader.selectFrom(table as keyof typeof TABLES).selectAll()
      for (const column of order) query = query.orderBy(column as never)
      snapshot[table] = await query.execute()
    }
    return snapshot
  }
  return Object.assign(read(), { unawaitedSnapshot: ++snapshotSerial })
}

let snapshotSerial = 0

export interface TestServer {
  dir: string
  /** The SQLite file (SQLite runs only). */
  databaseFile: string | undefined
  database: TestDatabase
  /** A second connection to the server's database. */
  reader: Kysely<Database>
  data: Deployment
  app: Hono
  clock: Clock
  /** Any request to the app; a string body is sent as is, anything else as JSON. */
  request(method: string, path: string, options?: RequestOptions): Promise<Response>
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>
  admin(method: string, path: string, body?: unknown): Promise<Response>
  createLicense(input?: Partial<LicenseInput>): Promise<CreatedLicense>
  makeDevice(id?: string): Promise<Device>
  activate(licenseKey: string, device: Device, headers?: Record<string, string>): Promise<Response>
  /** Activates and fails the test unless a grant comes back. */
  activateOk(licenseKey: string, device: Device): Promise<GrantBody>
  /** A new license (3 seats of `pro` unless said) and a new device activated with it. */
  activated(input?: Partial<LicenseInput>): Promise<{
    license: CreatedLicense
    device: Device
    grant: string
    certs: string[]
  }>
  /** An air-gapped device's request code, signed by `device` now (name and platform may be given). */
  requestCode(device: Device, shown?: { name: string; platform: string }): Promise<string>
  /** A proof for `grant`, made for `endpoint` (validate unless said), as the worker makes them. */
  proof(grant: string, device: Device, ts?: number, endpoint?: ProofEndpoint): Promise<string>
  check(grant: string, device: Device, endpoint?: ProofEndpoint): Promise<Check>
  validate(checks: Check[]): Promise<Response>
  /** Validates one grant with a fresh proof and returns that check's result. */
  validateOne(grant: string, device: Device): Promise<CheckResult>
  /** Verifies a grant as a device would: the pinned root key and the certificates given. */
  verify(grant: string, certs: readonly string[]): Promise<GrantClaims>
  /** Every row of every table; await it (an unawaited snapshot never equals another). */
  snapshot(): Promise<Snapshot>
  close(): Promise<void>
}

export interface RequestOptions {
  body?: unknown
  headers?: Record<string, string>
}

export interface LicenseInput {
  product: string
  plan: string
  seats: number
  termEnd: number | null
  recheckEvery: string | null
  grace: string | null
  note: string | null
  floating: FloatingSettings | null
}

/** The claims of a grant, read without verifying it. */
export function claimsOf(grant: string): GrantClaims {
  return parseGrantClaims(peekPayload(grant))
}

export async function readJson<T>(response: Response): Promise<T> {
  return (await response.json()) as T
}

/** Fails unless the response is the API's error shape with this status and code. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
): Promise<ApiErrorBody> {
  const body = await readJson<Partial<ApiErrorBody>>(response)
  const summary = JSON.stringify(body)
  if (response.status !== status || body.error?.code !== code || !body.error.message) {
    throw new Error(`expected ${status} ${code}, got ${response.status} ${summary}`)
  }
  return { error: body.error }
}

let deviceCounter = 0

/**
 * A license server on a temporary data folder: the app (no port), its data folder, a clock the
 * test moves, and helpers for the requests a device and an admin make.
 */
export async function startTestServer(
  options: { limits?: Partial<Limits>; overrides?: Partial<AppDeps> } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'leeway-server-test-'))
  const clock = createClock()
  const database = await createTestDatabase()
  const data = await openDeployment(dir, { ...database.options, seedDemo: false, now: clock.now })
  const app = createApp(
    data.deps({ limits: options.limits ?? GENEROUS_LIMITS, ...options.overrides }),
  )
  const databaseFile = BACKEND === 'sqlite' ? join(dir, 'leeway.db') : undefined
  const reader = database.openReader(dir)

  const request = async (
    method: string,
    path: string,
    { body, headers = {} }: RequestOptions = {},
  ) => {
    const init: RequestInit = { method, headers: { ...headers } }
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body)
      init.headers = { 'content-type': 'application/json', ...headers }
    }
    return app.request(path, init)
  }
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request('POST', path, { body, headers })
  const admin = (method: string, path: string, body?: unknown) =>
    request(method, `/admin/v1${path}`, {
      body,
      headers: { authorization: `Bearer ${data.adminToken}` },
    })

  const server: TestServer = {
    dir,
    databaseFile,
    database,
    reader,
    data,
    app,
    clock,
    request,
    post,
    admin,
    async createLicense(input = {}) {
      const response = await admin('POST', '/licenses', {
        product: 'notes',
        plan: 'pro',
        seats: 3,
        termEnd: clock.now() + 365 * DAY,
        ...input,
      })
      if (response.status !== 201) throw new Error(`license not created: ${await response.text()}`)
      return readJson<CreatedLicense>(response)
    },
    async makeDevice(id) {
      const pair = await generateEcKeyPair(false)
      const publicKey = toPublicJwk(await exportKey(pair.publicKey))
      deviceCounter += 1
      return {
        id: id ?? `device-${deviceCounter}`,
        name: `Test device ${deviceCounter}`,
        platform: 'linux',
        publicKey,
        privateKey: pair.privateKey,
        jkt: await thumbprint(publicKey),
      }
    },
    activate(licenseKey, device, headers = {}) {
      const { id, name, platform, publicKey } = device
      return post(
        '/api/v1/activate',
        { licenseKey, device: { id, name, platform, publicKey } },
        headers,
      )
    },
    async activateOk(licenseKey, device) {
      const response = await server.activate(licenseKey, device)
      if (response.status !== 200) throw new Error(`activation failed: ${await response.text()}`)
      return readJson<GrantBody>(response)
    },
    async activated(input = {}) {
      const license = await server.createLicense(input)
      const device = await server.makeDevice()
      const { grant, certs } = await server.activateOk(license.key, device)
      return { license, device, grant, certs }
    },
    requestCode(device, shown = { name: 'Air-gapped workstation', platform: 'windows' }) {
      const ts = Math.floor(clock.now() / 1000)
      const request = { dev: device.id, jwk: device.publicKey, ts, ...shown }
      return createRequestCode(request, device.privateKey)
    },
    proof(grant, device, ts = Math.floor(clock.now() / 1000), endpoint = VALIDATE) {
      return signProof({ jti: claimsOf(grant).jti, ts, ...endpoint }, device.privateKey)
    },
    async check(grant, device, endpoint = VALIDATE) {
      return { grant, proof: await server.proof(grant, device, undefined, endpoint) }
    },
    validate(checks) {
      return post('/api/v1/validate', { checks })
    },
    async validateOne(grant, device) {
      const response = await server.validate([await server.check(grant, device)])
      if (response.status !== 200) throw new Error(`validate failed: ${await response.text()}`)
      const [result] = (await readJson<ValidateBody>(response)).results
      if (!result) throw new Error('validate answered no result')
      return result
    },
    async verify(grant, certs) {
      const ring = await createKeyRing(data.rootPublicJwk, certs)
      return verifyGrant(grant, ring, { now: clock.now() })
    },
    snapshot() {
      return snapshotOf(reader)
    },
    async close() {
      await reader.destroy()
      await data.store.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return server
}

/** The grant of a successful check result; fails the test on an error result. */
export function grantOf(result: CheckResult | undefined): string {
  if (!result?.ok) throw new Error(`expected a grant, got ${JSON.stringify(result)}`)
  return result.grant
}
