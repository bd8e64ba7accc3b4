import {
  LeewayError,
  advanceLastSeen,
  backoffDelay,
  createKeyRing,
  createRequestCode,
  decodeLicenseFile,
  GRANT_TYP,
  SYNC_TAG,
  evaluate,
  readHeader,
  lastSeenAfterVerifiedCheck,
  reconcile,
  signProof,
  verifyGrant,
} from '../../src/core/index.ts'
import type {
  BackoffPolicy,
  Connectivity,
  GrantClaims,
  PublicJwk,
  RequestCodeResponse,
  ServedLicenseState,
} from '../../src/core/index.ts'
import type { DeviceIdentity, LicenseStore, StoredLicense } from '../store/LicenseStore.ts'
import { callServer } from './callServer.ts'
import type { ServerAnswer } from './callServer.ts'

export interface WorkerConfig {
  rootJwk: PublicJwk
  product: string
  apiBase: string
  requestTimeoutMs: number
  backoff: BackoffPolicy
  now: () => number
  random: () => number
  fetch: typeof fetch
  onLine: () => boolean
  /** Asks the browser to wake the worker when the network is back (Background Sync), where it can. */
  registerSync: (tag: string) => Promise<void>
  broadcast: (state: ServedLicenseState) => void
}

// lastSeen is written at most this often: losing a minute of it on a worker kill is far inside the
// clock guard's 5-minute tolerance, and the state endpoint stays free of database writes.
const LAST_SEEN_WRITE_INTERVAL_MS = 60_000

type Loaded =
  | { kind: 'none' }
  | { kind: 'ok'; stored: StoredLicense; claims: GrantClaims; keyId: string }
  | { kind: 'invalid'; problem: string }

/** The outcome a caller of `activate`, `import` or `deactivate` gets: a state, or an error to show. */
export type ActionResult =
  | { ok: true; state: ServedLicenseState; queued?: boolean }
  | { ok: false; status: number; code: string; message: string }

interface CheckMeta {
  connectivity: Connectivity
  failures: number
  /** No automatic re-check before this: backoff, or the server's Retry-After, whichever is later. */
  retryAt: number | null
  /** The server's own Retry-After: honoured even on reconnection and by "Check now". */
  serverRetryAt: number | null
  lastCheckAt: number | null
  lastCheckError: { code: string; message: string } | null
}

const INITIAL_CHECK_META: CheckMeta = {
  connectivity: 'online',
  failures: 0,
  retryAt: null,
  serverRetryAt: null,
  lastCheckAt: null,
  lastCheckError: null,
}

/**
 * The license logic of the service worker: answers state from the store at once, re-checks in the
 * background (one at a time, with backoff), and applies only what the pinned root's keys signed.
 */
export class LicenseWorker {
  readonly #store: LicenseStore
  readonly #config: WorkerConfig
  #loaded: Promise<Loaded> | undefined
  #meta:
    Promise<{ check: CheckMeta; lastSeen: number | null; pendingDeactivation: boolean }> | undefined
  #lastSeenWrittenAt = 0
  #inFlight: Promise<void> | undefined

  constructor(store: LicenseStore, config: WorkerConfig) {
    this.#store = store
    this.#config = config
  }

  /** The current state, from memory or the store; never waits for the network. */
  async state(): Promise<ServedLicenseState> {
    const now = this.#config.now()
    const [loaded, meta] = await Promise.all([this.#load(), this.#readMeta()])
    const connectivity: Connectivity = this.#config.onLine() ? meta.check.connectivity : 'offline'
    const state = evaluate({
      grant: loaded.kind === 'ok' ? loaded.claims : null,
      now,
      lastSeen: meta.lastSeen,
      connectivity,
      problem: loaded.kind === 'invalid' ? loaded.problem : null,
    })
    this.#observeTime(meta, now)
    return {
      ...state,
      pendingDeactivation: meta.pendingDeactivation,
      lastCheckAt: meta.check.lastCheckAt,
      lastCheckError: meta.check.lastCheckError,
      retryAt: meta.check.retryAt,
      keyId: loaded.kind === 'ok' ? loaded.keyId : null,
    }
  }

  /**
   * Starts a background re-check if one is due and allowed; returns it (or undefined) for
   * `waitUntil`. `reconnected` (the network came back) skips the backoff delay, never the server's
   * `Retry-After`.
   */
  async recheckIfDue(options: { reconnected?: boolean } = {}): Promise<Promise<void> | undefined> {
    if (this.#inFlight) return undefined
    const now = this.#config.now()
    const [loaded, meta] = await Promise.all([this.#load(), this.#readMeta()])
    if (loaded.kind !== 'ok') return undefined
    const notBefore = options.reconnected ? meta.check.serverRetryAt : meta.check.retryAt
    if (notBefore !== null && now < notBefore) return undefined
    const due = meta.check.failures > 0 || isRecheckDue(loaded.claims, now)
    return due ? this.recheck() : undefined
  }

  /**
   * Re-verifies every stored grant in one `validate` call. Only one runs at a time: a second
   * caller gets the one in flight. The server's `Retry-After` holds even for "Check now".
   */
  recheck(): Promise<void> {
    this.#inFlight ??= this.#recheckUnlessTold().finally(() => {
      this.#inFlight = undefined
    })
    return this.#inFlight
  }

  get recheckInFlight(): boolean {
    return this.#inFlight !== undefined
  }

  /** Online activation with a license key. */
  async activate(licenseKey: string, deviceName: string): Promise<ActionResult> {
    const device = await this.#store.device()
    const answer = await this.#call('/activate', {
      licenseKey,
      device: {
        id: device.id,
        name: deviceName,
        platform: platformName(),
        publicKey: device.publicJwk,
      },
    })
    if (answer.kind === 'unreachable') {
      await this.#recordFailure(answer)
      return answer.connectivity === 'offline'
        ? fail(
            503,
            'offline',
            "You're offline. Connect to activate, or use offline activation with a request code.",
          )
        : fail(
            503,
            answer.connectivity === 'interference' ? 'interference' : 'server_error',
            unreachableMessage(answer),
          )
    }
    if (answer.kind === 'api-error') return fail(answer.status, answer.code, answer.message)
    return this.#accept(answer.body, device, 'activate')
  }

  /** The printable request code for air-gapped activation; needs no network. */
  async requestCode(deviceName: string): Promise<RequestCodeResponse> {
    const device = await this.#store.device()
    const createdAt = this.#config.now()
    const requestCode = await createRequestCode(
      {
        dev: device.id,
        jwk: device.publicJwk,
        ts: Math.floor(createdAt / 1000),
        name: deviceName,
        platform: platformName(),
      },
      device.keyPair.privateKey,
    )
    return { requestCode, deviceId: device.id, createdAt }
  }

  /** Installs a license file made by `leeway offline-activate`; verified offline against the pinned root. */
  async importLicenseFile(text: unknown): Promise<ActionResult> {
    let file
    try {
      file = decodeLicenseFile(text)
    } catch (error) {
      return fail(400, 'bad_request', error instanceof Error ? error.message : 'not a license file')
    }
    return this.#accept(
      { grant: file.grant, certs: file.certs },
      await this.#store.device(),
      'import',
    )
  }

  /** Frees this device's seat; while offline the request is queued and replayed on reconnection. */
  async deactivate(): Promise<ActionResult> {
    const loaded = await this.#load()
    if (loaded.kind !== 'ok')
      return fail(409, 'not_activated', 'This device has no license to deactivate.')
    await this.#store.enqueue({
      kind: 'deactivate',
      product: this.#config.product,
      createdAt: this.#config.now(),
    })
    this.#meta = undefined
    await this.replayQueue()
    const state = await this.state()
    if (state.pendingDeactivation) {
      await this.#config.registerSync(SYNC_TAG).catch(() => undefined)
      return { ok: true, state, queued: true }
    }
    return { ok: true, state }
  }

  /** Sends queued requests in order; stops at the first that cannot reach the server. */
  async replayQueue(): Promise<void> {
    for (const item of await this.#store.queued()) {
      if (item.id === undefined) continue
      const loaded = await this.#load()
      if (loaded.kind !== 'ok') {
        await this.#store.dequeue(item.id)
        continue
      }
      const device = await this.#store.device()
      const proof = await this.#proof(loaded.claims, device)
      const answer = await this.#call('/deactivate', { grant: loaded.stored.grant, proof })
      if (answer.kind === 'unreachable') {
        await this.#store.countAttempt(item.id)
        await this.#recordFailure(answer)
        break
      }
      if (answer.kind === 'ok') await this.#accept(answer.body, device, 'deactivate')
      else
        await this.#writeCheckMeta({
          lastCheckError: { code: answer.code, message: answer.message },
        })
      // Done, or refused for good (the seat is already free, the grant unknown): either way not retried.
      await this.#store.dequeue(item.id)
    }
    this.#meta = undefined
    this.#config.broadcast(await this.state())
  }

  async setTelemetry(optIn: boolean): Promise<{ optIn: boolean }> {
    await this.#store.setMeta('telemetryOptIn', optIn)
    return { optIn }
  }

  async #recheckUnlessTold(): Promise<void> {
    const meta = await this.#readMeta()
    if (meta.check.serverRetryAt !== null && this.#config.now() < meta.check.serverRetryAt) return
    await this.#recheck()
  }

  async #recheck(): Promise<void> {
    const device = await this.#store.device()
    const checks: { grant: string; proof: string }[] = []
    for (const product of await this.#store.products()) {
      const loaded =
        product === this.#config.product ? await this.#load() : await this.#verify(product, device)
      if (loaded.kind !== 'ok') continue
      checks.push({ grant: loaded.stored.grant, proof: await this.#proof(loaded.claims, device) })
    }
    if (checks.length === 0) return
    const answer = await this.#call('/validate', { checks })
    if (answer.kind === 'unreachable') {
      await this.#recordFailure(answer)
      await this.#config.registerSync(SYNC_TAG).catch(() => undefined)
    } else if (answer.kind === 'api-error') {
      await this.#recordFailure(
        { connectivity: 'server-error', retryAt: answer.retryAt },
        { code: answer.code, message: answer.message },
      )
    } else {
      await this.#applyValidation(answer.body, device)
    }
    this.#config.broadcast(await this.state())
  }

  async #applyValidation(body: Record<string, unknown>, device: DeviceIdentity): Promise<void> {
    const results = Array.isArray(body.results) ? (body.results as unknown[]) : null
    const certs = stringArray(body.certs)
    if (!results || !certs) {
      await this.#recordFailure({ connectivity: 'interference', retryAt: null })
      return
    }
    let newestIat = 0
    let refusal: { code: string; message: string } | null = null
    for (const result of results) {
      const entry = result as {
        ok?: unknown
        grant?: unknown
        error?: { code?: unknown; message?: unknown }
      }
      if (entry.ok === true && typeof entry.grant === 'string') {
        const outcome = await this.#applyGrant({ grant: entry.grant, certs }, device)
        if (outcome === 'rejected') {
          // A 200 whose grant does not verify is not from our server: never let it change anything.
          await this.#recordFailure({ connectivity: 'interference', retryAt: null })
          return
        }
        newestIat = Math.max(newestIat, outcome.iat)
      } else if (typeof entry.error?.code === 'string') {
        refusal = {
          code: entry.error.code,
          message: typeof entry.error.message === 'string' ? entry.error.message : entry.error.code,
        }
      }
    }
    await this.#recordSuccess(newestIat * 1000, refusal)
  }

  /** Verifies a grant from the server or a file and keeps it if it wins reconciliation. */
  async #applyGrant(
    incoming: StoredLicense,
    device: DeviceIdentity,
  ): Promise<{ iat: number } | 'rejected'> {
    let claims: GrantClaims
    try {
      const ring = await createKeyRing(this.#config.rootJwk, incoming.certs)
      claims = await verifyGrant(incoming.grant, ring, {
        now: this.#config.now(),
        expect: { dev: device.id, jkt: device.jkt },
      })
    } catch {
      return 'rejected'
    }
    const product = claims.aud
    const local =
      product === this.#config.product ? await this.#load() : await this.#verify(product, device)
    const winner =
      local.kind === 'ok' ? reconcile(local.claims, claims, { dev: device.id }).winner : 'incoming'
    if (winner === 'incoming') {
      // Keep certificates the server no longer lists but an older grant may still need.
      const certs = [
        ...new Set([...incoming.certs, ...(local.kind === 'ok' ? local.stored.certs : [])]),
      ]
      await this.#store.writeLicense(product, { grant: incoming.grant, certs })
      if (product === this.#config.product) {
        const keyId = signingKeyId(incoming.grant)
        this.#loaded = Promise.resolve({
          kind: 'ok',
          stored: { grant: incoming.grant, certs },
          claims,
          keyId,
        })
      }
    }
    return { iat: claims.iat }
  }

  async #accept(
    body: Record<string, unknown>,
    device: DeviceIdentity,
    action: 'activate' | 'import' | 'deactivate',
  ): Promise<ActionResult> {
    const certs = stringArray(body.certs)
    if (typeof body.grant !== 'string' || !certs) {
      return fail(502, 'interference', 'The answer was not a license from your license server.')
    }
    const outcome = await this.#applyGrant({ grant: body.grant, certs }, device)
    if (outcome === 'rejected') {
      return action === 'import'
        ? fail(
            400,
            'grant_invalid',
            'This license file is not for this device, or was not signed by the vendor.',
          )
        : fail(
            502,
            'interference',
            'The answer was not signed by your vendor; something on the network changed it.',
          )
    }
    if (action === 'import') {
      await this.#advanceLastSeenTo(outcome.iat * 1000)
    } else {
      await this.#recordSuccess(outcome.iat * 1000, null)
    }
    const state = await this.state()
    this.#config.broadcast(state)
    return { ok: true, state }
  }

  async #call(path: string, body: unknown): Promise<ServerAnswer> {
    return callServer(`${this.#config.apiBase}${path}`, body, {
      fetch: this.#config.fetch,
      timeoutMs: this.#config.requestTimeoutMs,
      now: this.#config.now,
    })
  }

  async #proof(claims: GrantClaims, device: DeviceIdentity): Promise<string> {
    return signProof(
      { jti: claims.jti, ts: Math.floor(this.#config.now() / 1000) },
      device.keyPair.privateKey,
    )
  }

  #load(): Promise<Loaded> {
    this.#loaded ??= this.#store
      .device()
      .then((device) => this.#verify(this.#config.product, device))
    this.#loaded.catch(() => {
      this.#loaded = undefined
    })
    return this.#loaded
  }

  async #verify(product: string, device: DeviceIdentity): Promise<Loaded> {
    const read = await this.#store.readLicense(product)
    if (read.kind === 'none') return { kind: 'none' }
    if (read.kind === 'unreadable') return { kind: 'invalid', problem: 'store_unreadable' }
    try {
      const ring = await createKeyRing(this.#config.rootJwk, read.value.certs)
      const claims = await verifyGrant(read.value.grant, ring, {
        now: this.#config.now(),
        expect: { aud: product, dev: device.id, jkt: device.jkt },
      })
      return { kind: 'ok', stored: read.value, claims, keyId: signingKeyId(read.value.grant) }
    } catch (error) {
      return {
        kind: 'invalid',
        problem: error instanceof LeewayError ? error.code : 'grant_invalid',
      }
    }
  }

  #readMeta(): Promise<{
    check: CheckMeta
    lastSeen: number | null
    pendingDeactivation: boolean
  }> {
    this.#meta ??= Promise.all([
      this.#store.getMeta<CheckMeta>('check', INITIAL_CHECK_META),
      this.#store.getMeta<number | null>('lastSeen', null),
      this.#store.queued(),
    ]).then(([check, lastSeen, queue]) => ({
      check: { ...INITIAL_CHECK_META, ...check },
      lastSeen,
      pendingDeactivation: queue.some((item) => item.kind === 'deactivate'),
    }))
    this.#meta.catch(() => {
      this.#meta = undefined
    })
    return this.#meta
  }

  #observeTime(meta: { lastSeen: number | null }, now: number): void {
    const next = advanceLastSeen(meta.lastSeen, now)
    if (next === meta.lastSeen) return
    meta.lastSeen = next
    if (now - this.#lastSeenWrittenAt >= LAST_SEEN_WRITE_INTERVAL_MS) {
      this.#lastSeenWrittenAt = now
      void this.#store.setMeta('lastSeen', next).catch(() => undefined)
    }
  }

  async #advanceLastSeenTo(serverTime: number): Promise<void> {
    const meta = await this.#readMeta()
    meta.lastSeen = advanceLastSeen(meta.lastSeen, serverTime, this.#config.now())
    await this.#store.setMeta('lastSeen', meta.lastSeen)
  }

  async #recordSuccess(
    serverTime: number,
    refusal: { code: string; message: string } | null,
  ): Promise<void> {
    const now = this.#config.now()
    const meta = await this.#readMeta()
    // The signed server time replaces a lastSeen that a clock set too far ahead once pushed forward.
    meta.lastSeen =
      serverTime > 0
        ? lastSeenAfterVerifiedCheck(serverTime, now)
        : advanceLastSeen(meta.lastSeen, now)
    this.#lastSeenWrittenAt = now
    await this.#store.setMeta('lastSeen', meta.lastSeen)
    await this.#writeCheckMeta({
      connectivity: 'online',
      failures: 0,
      retryAt: null,
      serverRetryAt: null,
      lastCheckAt: now,
      lastCheckError: refusal,
    })
  }

  async #recordFailure(
    answer: { connectivity: Connectivity; retryAt: number | null },
    refusal: { code: string; message: string } | null = null,
  ): Promise<void> {
    const now = this.#config.now()
    const meta = await this.#readMeta()
    const failures = meta.check.failures + 1
    const backoffUntil = now + backoffDelay(failures, this.#config.random, this.#config.backoff)
    await this.#writeCheckMeta({
      connectivity: answer.connectivity,
      failures,
      retryAt: Math.max(backoffUntil, answer.retryAt ?? 0),
      serverRetryAt: answer.retryAt,
      lastCheckAt: now,
      lastCheckError: refusal,
    })
  }

  async #writeCheckMeta(patch: Partial<CheckMeta>): Promise<void> {
    const meta = await this.#readMeta()
    meta.check = { ...meta.check, ...patch }
    await this.#store.setMeta('check', meta.check)
  }
}

/** Re-check at half the recheck interval, so a device that is online now and then never sees grace. */
export function isRecheckDue(claims: GrantClaims, now: number): boolean {
  if (claims.status === 'revoked' || claims.pol.recheck === null) return false
  return now >= (claims.iat + claims.pol.recheck / 2) * 1000
}

/** The `kid` of a grant that verified (so its header is known to be well-formed). */
function signingKeyId(grant: string): string {
  return readHeader(grant, GRANT_TYP).kid ?? ''
}

function fail(status: number, code: string, message: string): ActionResult {
  return { ok: false, status, code, message }
}

function unreachableMessage(answer: {
  connectivity: Connectivity
  retryAt: number | null
}): string {
  if (answer.connectivity === 'interference') {
    return 'Something between you and the license server answered instead of it (a Wi-Fi login page?). Sign in to the network, then try again.'
  }
  return answer.retryAt
    ? `The license server is busy. Try again after ${new Date(answer.retryAt).toLocaleTimeString()}.`
    : 'The license server is having trouble. Try again in a few minutes.'
}

function stringArray(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
    ? (value as string[])
    : null
}

function platformName(): string {
  return (typeof navigator !== 'undefined' && navigator.platform) || ''
}
