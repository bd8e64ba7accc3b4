import {
  CLOCK_TOLERANCE_MS,
  DEVICE_ENDPOINTS,
  GRANT_TYP,
  LeewayError,
  PROOF_MAX_SKEW_SECONDS,
  SYNC_TAG,
  advanceLastSeen,
  backoffDelay,
  checksIn,
  createKeyRing,
  createRequestCode,
  decodeLicenseFile,
  endpointMatches,
  evaluate,
  isRecheckDue,
  lastSeenAfterVerifiedCheck,
  proofNonce,
  readHeader,
  reconcile,
  signProof,
  verifyGrant,
} from '../../src/core/index.ts'
import type {
  BackoffPolicy,
  Connectivity,
  GrantClaims,
  ProofEndpoint,
  PublicJwk,
  RequestCodeResponse,
  ServedLicenseState,
} from '../../src/core/index.ts'
import { GRANT_FORMAT, judgeGrant } from '../store/highWater.ts'
import type { GrantMark } from '../store/highWater.ts'
import type { DeviceIdentity, LicenseStore, StoredLicense } from '../store/LicenseStore.ts'
import { callServer } from './callServer.ts'
import type { ServerAnswer } from './callServer.ts'
import { readValidation } from './readValidation.ts'
import { TelemetryRecorder } from './TelemetryRecorder.ts'
import type { PendingReport } from './TelemetryRecorder.ts'

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

// A worker that starts re-checks at once, while online, if the last successful check is older than
// this: browsers restart idle workers every minute, and each start must not be a check.
const START_RECHECK_AFTER_MS = 10 * 60_000

/**
 * What the sealed high-water record says of the grant in use (see judgeGrant): `rolled_back` and
 * `last_seen_missing` make the state clock-suspect; `restriction_kept` means the grant in use is
 * the revocation or suspension recorded there, in place of an older grant written back over it.
 */
type Integrity = 'sound' | 'rolled_back' | 'last_seen_missing' | 'restriction_kept'

interface LoadedGrant {
  kind: 'ok'
  stored: StoredLicense
  claims: GrantClaims
  keyId: string
  integrity: Integrity
}

type Loaded = { kind: 'none' } | LoadedGrant | { kind: 'invalid'; problem: string }

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
  /** How far the server's clock is ahead of ours, learned when a proof was refused as mistimed. */
  clockOffset: number
}

const INITIAL_CHECK_META: CheckMeta = {
  connectivity: 'online',
  failures: 0,
  retryAt: null,
  serverRetryAt: null,
  lastCheckAt: null,
  lastCheckError: null,
  clockOffset: 0,
}

interface Meta {
  check: CheckMeta
  lastSeen: number | null
  pendingDeactivation: boolean
}

type Applied = { claims: GrantClaims; won: boolean } | 'rejected'

interface Failure {
  connectivity: Connectivity
  retryAt: number | null
}

/**
 * The license logic of the service worker: answers state from the store at once, re-checks in the
 * background (one at a time, with backoff), and applies only what the pinned root's keys signed.
 */
export class LicenseWorker {
  readonly #store: LicenseStore
  readonly #config: WorkerConfig
  readonly #telemetry: TelemetryRecorder
  #loaded: Promise<Loaded> | undefined
  #meta: Promise<Meta> | undefined
  #lastSeenWrittenAt = 0
  #inFlight: Promise<void> | undefined
  #replaying: Promise<void> | undefined
  #replayAgain = false
  #syncEvents = 0
  /** Until the first automatic re-check decision of this worker while online (see #checkAtStart). */
  #startPending = true

  constructor(store: LicenseStore, config: WorkerConfig) {
    this.#store = store
    this.#config = config
    this.#telemetry = new TelemetryRecorder(store.telemetry)
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
      problem: loaded.kind === 'invalid' ? loaded.problem : integrityProblem(loaded),
      storeSuspect:
        loaded.kind === 'ok' &&
        (loaded.integrity === 'rolled_back' || loaded.integrity === 'last_seen_missing'),
    })
    this.#observeTime(meta, now)
    if (loaded.kind === 'ok') await this.#telemetry.observeStatus(state.status)
    return {
      ...state,
      pendingDeactivation: meta.pendingDeactivation,
      lastCheckAt: meta.check.lastCheckAt,
      lastCheckError: meta.check.lastCheckError,
      retryAt: meta.check.retryAt,
      keyId: loaded.kind === 'ok' ? loaded.keyId : null,
    }
  }

  /** A state that says only why there is none, for when the store itself cannot be opened. */
  unavailableState(problem: string): ServedLicenseState {
    const state = evaluate({
      grant: null,
      now: this.#config.now(),
      problem,
      connectivity: 'offline',
    })
    return {
      ...state,
      pendingDeactivation: false,
      lastCheckAt: null,
      lastCheckError: null,
      retryAt: null,
      keyId: null,
    }
  }

  /**
   * Starts a background re-check if one is due and allowed; returns it (or undefined) for
   * `waitUntil`. `reconnected` (the network came back) skips the backoff delay, never the server's
   * `Retry-After`.
   */
  async recheckIfDue(options: { reconnected?: boolean } = {}): Promise<Promise<void> | undefined> {
    if (this.#inFlight) return undefined
    const starting = this.#startPending && this.#config.onLine()
    if (starting) this.#startPending = false
    const now = this.#config.now()
    const [loaded, meta] = await Promise.all([this.#load(), this.#readMeta()])
    if (loaded.kind !== 'ok') return undefined
    if (options.reconnected && meta.check.failures > 0) await this.#telemetry.reconnected(now)
    const notBefore = options.reconnected ? meta.check.serverRetryAt : meta.check.retryAt
    if (notBefore !== null && now < notBefore) return undefined
    const due =
      meta.check.failures > 0 ||
      isRecheckDue(loaded.claims, now) ||
      (starting && (await this.#checkAtStart(loaded, now)))
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

  /** Runs `work` as the handler of a Background Sync event (see #recheckOnce). */
  async withinSyncEvent<T>(work: () => Promise<T>): Promise<T> {
    this.#syncEvents += 1
    try {
      return await work()
    } finally {
      this.#syncEvents -= 1
    }
  }

  /** Whether the last attempt to reach the server got through. */
  async lastAttemptSucceeded(): Promise<boolean> {
    return (await this.#readMeta()).check.failures === 0
  }

  /** Online activation with a license key. */
  async activate(licenseKey: string, deviceName: string): Promise<ActionResult> {
    const device = await this.#store.device()
    const nonce = randomNonce()
    const answer = await this.#call('/activate', {
      licenseKey,
      nonce,
      device: {
        id: device.id,
        name: deviceName,
        platform: platformName(),
        publicKey: device.publicJwk,
      },
    })
    if (answer.kind === 'unreachable') {
      if (answer.status === 429) {
        return fail(429, 'rate_limited', unreachableMessage(answer))
      }
      // An activation's Retry-After is about activations, never about re-checks.
      await this.#recordFailure({ connectivity: answer.connectivity, retryAt: null })
      if (answer.connectivity === 'offline') {
        return fail(
          503,
          'offline',
          "You're offline. Connect to activate, or use offline activation with a request code.",
        )
      }
      const code = answer.connectivity === 'interference' ? 'interference' : 'server_error'
      return fail(503, code, unreachableMessage(answer))
    }
    if (answer.kind === 'api-error') return fail(answer.status, answer.code, answer.message)
    return this.#accept(answer.body, device, { action: 'activate', nonce })
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
    return this.#accept({ grant: file.grant, certs: file.certs }, await this.#store.device(), {
      action: 'import',
    })
  }

  /** Frees this device's seat; while offline the request is queued and replayed on reconnection. */
  async deactivate(): Promise<ActionResult> {
    const loaded = await this.#load()
    if (loaded.kind !== 'ok') {
      return fail(409, 'not_activated', 'This device has no license to deactivate.')
    }
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

  /** Sends queued requests in order, one replay at a time; stops at the first that cannot get through. */
  replayQueue(): Promise<void> {
    // A call during a replay asks for one more pass after it: the replay in flight may have
    // started before the network came back, and must not be the last word.
    if (this.#replaying) {
      this.#replayAgain = true
      return this.#replaying
    }
    this.#replaying = (async () => {
      do {
        this.#replayAgain = false
        await this.#replay()
      } while (this.#replayAgain)
    })().finally(() => {
      this.#replaying = undefined
    })
    return this.#replaying
  }

  /** The user's telemetry choice: counters are kept only with it, and a "no" clears them. */
  async setTelemetry(optIn: boolean): Promise<{ optIn: boolean }> {
    await this.#telemetry.setConsent(optIn)
    return { optIn }
  }

  /** Whether the user agreed to telemetry; off until they do. */
  async telemetry(): Promise<{ optIn: boolean }> {
    return { optIn: await this.#telemetry.consent() }
  }

  /** The app was opened (a page load): counted as a start online or offline, with consent. */
  async appStarted(): Promise<void> {
    const meta = await this.#readMeta()
    await this.#telemetry.appStarted(this.#config.onLine() && meta.check.connectivity === 'online')
  }

  /**
   * The stored grant with a fresh, single-use proof of possession, for the app's own online
   * features (the demo's shared links): the app's server verifies both as it verifies a re-check.
   */
  async holderProof(
    endpoint: ProofEndpoint,
  ): Promise<{ ok: true; grant: string; proof: string } | Extract<ActionResult, { ok: false }>> {
    // A script in the page may ask for proofs; none that could free the seat or stand in for a
    // check of this worker's own.
    if (DEVICE_ENDPOINTS.some((device) => endpointMatches(endpoint.htu, device.htu)))
      return {
        ok: false,
        status: 403,
        code: 'forbidden_request',
        message: 'Proofs for the license server’s device endpoints are made by the worker only.',
      }
    const loaded = await this.#load()
    if (loaded.kind !== 'ok') return notActivated()
    const proof = await this.#proof(loaded.claims, await this.#store.device(), endpoint)
    return { ok: true, grant: loaded.stored.grant, proof }
  }

  async #replay(): Promise<void> {
    for (const item of await this.#store.queued()) {
      if (item.id === undefined) continue
      const loaded = await this.#load()
      if (loaded.kind !== 'ok') {
        // Without a readable grant there is nothing to prove the seat with: say so, don't retry.
        await this.#store.dequeue(item.id)
        await this.#writeCheckMeta({
          lastCheckError: {
            code: 'deactivation_dropped',
            message: 'The deactivation could not be sent: this device no longer holds a license.',
          },
        })
        continue
      }
      const device = await this.#store.device()
      const proof = await this.#proof(loaded.claims, device, this.#endpoint('/deactivate'))
      const answer = await this.#call('/deactivate', { grant: loaded.stored.grant, proof })
      if (answer.kind === 'ok') {
        const nonce = await proofNonce(proof)
        const accepted = await this.#accept(answer.body, device, { action: 'deactivate', nonce })
        if (!accepted.ok) {
          // Not our server's answer: the seat may still be taken, so the request stays queued.
          await this.#store.countAttempt(item.id)
          await this.#recordFailure({ connectivity: 'interference', retryAt: null })
          break
        }
      } else if (answer.kind === 'unreachable') {
        await this.#store.countAttempt(item.id)
        await this.#recordFailure(answer)
        break
      } else {
        // Refused for good (the seat is already free, the grant unknown): recorded, not retried.
        await this.#writeCheckMeta({
          lastCheckError: { code: answer.code, message: answer.message },
        })
      }
      await this.#store.dequeue(item.id)
    }
    this.#meta = undefined
    this.#config.broadcast(await this.state())
  }

  async #recheckUnlessTold(): Promise<void> {
    const before = await this.#readMeta()
    if (before.check.serverRetryAt !== null && this.#config.now() < before.check.serverRetryAt)
      return
    // A refusal of a mistimed proof teaches the server's clock; one retry then uses it.
    if ((await this.#recheckOnce()) === 'retry') await this.#recheckOnce()
    // The server answered: whatever waited for the network goes now.
    const after = await this.#readMeta()
    if (after.check.failures === 0 && after.pendingDeactivation) await this.replayQueue()
    this.#config.broadcast(await this.state())
  }

  async #recheckOnce(): Promise<'done' | 'retry'> {
    const device = await this.#store.device()
    const checks: { grant: string; proof: string }[] = []
    const nonces: string[] = []
    let ownProduct = false
    for (const product of await this.#store.products()) {
      const loaded =
        product === this.#config.product ? await this.#load() : await this.#verify(product, device)
      if (loaded.kind !== 'ok') continue
      const proof = await this.#proof(loaded.claims, device, this.#endpoint('/validate'))
      checks.push({ grant: loaded.stored.grant, proof })
      nonces.push(await proofNonce(proof))
      if (loaded.claims.aud === this.#config.product) ownProduct = true
    }
    if (checks.length === 0) return 'done'
    // Opt-in counters ride along, at most once a (UTC) day, and only beside this product's grant.
    const telemetry = ownProduct
      ? await this.#telemetry.pendingReport(this.#config.product, await this.#trustedNow())
      : null
    const answer = await this.#call('/validate', {
      checks,
      ...(telemetry ? { telemetry: telemetry.report } : {}),
    })
    if (answer.kind === 'unreachable') {
      await this.#recordFailure(answer)
      await this.#telemetry.recheckEnded(false)
      // Background Sync waits for the network: worth asking only when the network failed, and
      // never from inside a sync event, which Chromium would fire again at once (a retry storm).
      if (answer.connectivity === 'offline' && this.#syncEvents === 0) {
        await this.#config.registerSync(SYNC_TAG).catch(() => undefined)
      }
      return 'done'
    }
    if (answer.kind === 'api-error') {
      await this.#recordFailure(
        { connectivity: 'server-error', retryAt: answer.retryAt },
        { code: answer.code, message: answer.message },
      )
      await this.#telemetry.recheckEnded(false)
      return 'done'
    }
    const outcome = await this.#applyValidation(answer.body, device, nonces, telemetry)
    if (outcome === 'retry') return 'retry'
    await this.#telemetry.recheckEnded(outcome === 'ok')
    return 'done'
  }

  async #applyValidation(
    body: Record<string, unknown>,
    device: DeviceIdentity,
    nonces: readonly string[],
    telemetry: PendingReport | null,
  ): Promise<'ok' | 'failed' | 'retry'> {
    const answer = readValidation(body, nonces.length)
    if (!answer) {
      await this.#recordFailure({ connectivity: 'interference', retryAt: null })
      return 'failed'
    }
    let boundServerTime: number | null = null
    let newestIat = 0
    let refusal: { code: string; message: string } | null = null
    for (const [index, entry] of answer.entries.entries()) {
      if (entry.kind === 'refused') {
        refusal = { code: entry.code, message: entry.message }
        continue
      }
      const applied = await this.#applyGrant({ grant: entry.grant, certs: answer.certs }, device)
      if (applied === 'rejected') {
        // A 200 whose grant does not verify is not from our server: never let it change anything.
        await this.#recordFailure({ connectivity: 'interference', retryAt: null })
        return 'failed'
      }
      newestIat = Math.max(newestIat, applied.claims.iat)
      // Only an answer to this very request may move lastSeen back (a clock once set too far
      // ahead); an old answer replayed by the network carries another nonce.
      if (applied.claims.nonce === nonces[index]) {
        boundServerTime = Math.max(boundServerTime ?? 0, applied.claims.iat * 1000)
      }
    }
    if (refusal && newestIat === 0) {
      const offset =
        refusal.code === 'proof_invalid'
          ? this.#learnClock(answer.serverTime, (await this.#readMeta()).check.clockOffset)
          : null
      if (offset !== null) {
        await this.#writeCheckMeta({ clockOffset: offset })
        return 'retry'
      }
      await this.#recordFailure({ connectivity: 'online', retryAt: null }, refusal)
      return 'failed'
    }
    await this.#recordSuccess(boundServerTime, newestIat * 1000, refusal)
    await this.#telemetry.freshGrant(this.#config.now())
    const receipt = body.telemetry as { accepted?: unknown; day?: unknown } | undefined
    if (
      telemetry &&
      receipt?.accepted === true &&
      typeof receipt.day === 'string' &&
      /^\d{4}-\d{2}-\d{2}$/.test(receipt.day)
    ) {
      await this.#telemetry.accepted(telemetry, receipt.day)
    }
    return 'ok'
  }

  /**
   * A new offset to the server's clock when the clock our proofs were dated by (ours plus the
   * offset in use) is too far off for a proof to pass, else null. Measured against that same
   * clock, so an offset learned while the clock was wrong is unlearned once the user corrects it.
   */
  #learnClock(serverTime: number | null, offsetInUse: number): number | null {
    if (serverTime === null) return null
    const now = this.#config.now()
    const drift = serverTime - (now + offsetInUse)
    return Math.abs(drift) > (PROOF_MAX_SKEW_SECONDS * 1000) / 2 ? serverTime - now : null
  }

  /**
   * Verifies a grant from the server or a file and keeps it if it wins reconciliation. With
   * `expectedNonce`, a grant that does not carry it is rejected before anything is stored.
   */
  async #applyGrant(
    incoming: StoredLicense,
    device: DeviceIdentity,
    expectedNonce: string | null = null,
  ): Promise<Applied> {
    let claims: GrantClaims
    try {
      const ring = await createKeyRing(this.#config.rootJwk, incoming.certs)
      // The raw clock here: a lastSeen once pushed far ahead must not make every fresh grant look
      // expired. Stored grants, which a clock set back could revive, use the later of the two.
      claims = await verifyGrant(incoming.grant, ring, {
        now: this.#config.now(),
        expect: { dev: device.id, jkt: device.jkt },
      })
    } catch {
      return 'rejected'
    }
    if (expectedNonce !== null && claims.nonce !== expectedNonce) return 'rejected'
    const product = claims.aud
    const local =
      product === this.#config.product ? await this.#load() : await this.#verify(product, device)
    const won =
      local.kind !== 'ok' ||
      reconcile(local.claims, claims, { dev: device.id }).winner === 'incoming'
    if (
      won &&
      claims.status === 'revoked' &&
      claims.rsn !== 'deactivated' &&
      product === this.#config.product &&
      (local.kind !== 'ok' || local.claims.status !== 'revoked')
    ) {
      await this.#telemetry.revocationSeen()
    }
    if (won) {
      // Keep certificates the server no longer lists but an older grant may still need.
      const certs = [
        ...new Set([...incoming.certs, ...(local.kind === 'ok' ? local.stored.certs : [])]),
      ]
      const stored = { grant: incoming.grant, certs }
      await this.#store.writeLicense(product, stored, markOf(claims))
      if (product === this.#config.product) {
        // Judged like a stored grant: an old grant replayed over one written back is still not
        // the newest this device held.
        const judged = await this.#checkRollback(
          product,
          { kind: 'ok', stored, claims, keyId: signingKeyId(incoming.grant), integrity: 'sound' },
          GRANT_FORMAT,
          device,
        )
        this.#loaded = Promise.resolve(judged)
      }
    }
    return { claims, won }
  }

  /**
   * Applies the grant of a direct answer (activation, deactivation) or of a license file. A direct
   * answer must carry the nonce of its request: an old answer replayed is interference.
   */
  async #accept(
    body: Record<string, unknown>,
    device: DeviceIdentity,
    request: { action: 'activate' | 'deactivate'; nonce: string } | { action: 'import' },
  ): Promise<ActionResult> {
    const certs = stringArray(body.certs)
    if (typeof body.grant !== 'string' || !certs) {
      return fail(502, 'interference', 'The answer was not a license from your license server.')
    }
    const expectedNonce = request.action === 'import' ? null : request.nonce
    const applied = await this.#applyGrant({ grant: body.grant, certs }, device, expectedNonce)
    if (applied === 'rejected') {
      return request.action === 'import'
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
    const serverTime = applied.claims.iat * 1000
    if (request.action === 'import') {
      if (!applied.won) {
        return fail(
          409,
          'older_license',
          'This license file is not newer than the license already on this device.',
        )
      }
      // A file may be days old: its time only ever moves lastSeen forward.
      await this.#advanceLastSeenTo(serverTime)
    } else {
      await this.#recordSuccess(serverTime, serverTime, null)
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

  /** A proof of this device's key for the grant `claims`, good at `endpoint` only. */
  async #proof(
    claims: GrantClaims,
    device: DeviceIdentity,
    endpoint: ProofEndpoint,
  ): Promise<string> {
    const { clockOffset } = (await this.#readMeta()).check
    const ts = Math.floor((this.#config.now() + clockOffset) / 1000)
    return signProof({ jti: claims.jti, ts, ...endpoint }, device.keyPair.privateKey)
  }

  /** The license server's endpoint at `path` (under `apiBase`, which may name another origin). */
  #endpoint(path: string): ProofEndpoint {
    return {
      htm: 'POST',
      htu: new URL(`${this.#config.apiBase}${path}`, 'https://leeway.invalid').pathname,
    }
  }

  /** The later of the clock and lastSeen: setting the clock back revives no expired certificate. */
  async #trustedNow(): Promise<number> {
    const { lastSeen } = await this.#readMeta()
    return Math.max(this.#config.now(), lastSeen ?? 0)
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
    const loaded = await this.#verifyStored(read.value, product, device)
    return loaded.kind === 'ok' ? this.#checkRollback(product, loaded, read.format, device) : loaded
  }

  /**
   * Holds a verified stored grant against the sealed high-water record (see judgeGrant). Writing
   * an older sealed grant record back, or deleting the record, must not undo a revocation or the
   * clock guard: the grant is then suspect, or the revocation recorded there is enforced.
   */
  async #checkRollback(
    product: string,
    loaded: LoadedGrant,
    format: number,
    device: DeviceIdentity,
  ): Promise<Loaded> {
    const verdict = judgeGrant(
      await this.#store.highWater(),
      product,
      markOf(loaded.claims),
      format,
    )
    switch (verdict.kind) {
      case 'sound':
        return loaded
      case 'migrate':
        // The first run after the update that introduced the record: this grant gets its mark and
        // the format marker, once; a failure leaves it for the next start.
        await this.#store
          .writeLicense(product, loaded.stored, markOf(loaded.claims))
          .catch(() => undefined)
        return loaded
      case 'restricted': {
        const kept = await this.#verifyStored(verdict.restriction, product, device)
        return kept.kind === 'ok'
          ? { ...kept, integrity: 'restriction_kept' }
          : { ...loaded, integrity: 'rolled_back' }
      }
      default:
        return { ...loaded, integrity: verdict.kind }
    }
  }

  async #verifyStored(
    stored: StoredLicense,
    product: string,
    device: DeviceIdentity,
  ): Promise<Loaded> {
    try {
      const ring = await createKeyRing(this.#config.rootJwk, stored.certs)
      const claims = await verifyGrant(stored.grant, ring, {
        now: await this.#trustedNow(),
        expect: { aud: product, dev: device.id, jkt: device.jkt },
      })
      const keyId = signingKeyId(stored.grant)
      return { kind: 'ok', stored, claims, keyId, integrity: 'sound' }
    } catch (error) {
      return {
        kind: 'invalid',
        problem: error instanceof LeewayError ? error.code : 'grant_invalid',
      }
    }
  }

  #readMeta(): Promise<Meta> {
    this.#meta ??= Promise.all([
      this.#store.getMeta<Partial<CheckMeta>>('check', {}),
      this.#store.highWater(),
      this.#store.queued(),
    ]).then(([check, highWater, queue]) => ({
      check: { ...INITIAL_CHECK_META, ...check },
      lastSeen: highWater.lastSeen,
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
      void this.#store.updateHighWater({ lastSeen: next }).catch(() => undefined)
    }
  }

  async #advanceLastSeenTo(serverTime: number): Promise<void> {
    const meta = await this.#readMeta()
    meta.lastSeen = advanceLastSeen(meta.lastSeen, serverTime, this.#config.now())
    await this.#store.updateHighWater({ lastSeen: meta.lastSeen })
  }

  /**
   * Records a check that reached our server. `boundServerTime` (from a grant that answers this
   * very request) may correct a lastSeen pushed ahead by a wrong clock; other times only advance it.
   */
  async #recordSuccess(
    boundServerTime: number | null,
    newestServerTime: number,
    refusal: { code: string; message: string } | null,
  ): Promise<void> {
    const now = this.#config.now()
    const meta = await this.#readMeta()
    meta.lastSeen =
      boundServerTime !== null
        ? lastSeenAfterVerifiedCheck(boundServerTime, now)
        : advanceLastSeen(meta.lastSeen, newestServerTime, now)
    this.#lastSeenWrittenAt = now
    await this.#store.updateHighWater({ lastSeen: meta.lastSeen, checkedAt: now })
    // A server whose clock agrees with ours within the tolerance needs no correction of proofs.
    const clockOffset =
      boundServerTime !== null && Math.abs(boundServerTime - now) <= CLOCK_TOLERANCE_MS
        ? 0
        : meta.check.clockOffset
    await this.#writeCheckMeta({
      connectivity: 'online',
      failures: 0,
      retryAt: null,
      serverRetryAt: null,
      lastCheckAt: now,
      lastCheckError: refusal,
      clockOffset,
    })
  }

  async #recordFailure(
    answer: Failure,
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

  /**
   * Whether a worker that has just started should check before the grant is due: the grant looked
   * rolled back, or the last successful check is 10 minutes old or more. Only a fresh signed answer
   * undoes a rollback no record can show (the whole store written back at once); the sealed time
   * of the last success keeps this to one check per 10 minutes, though browsers restart idle
   * workers every minute.
   */
  async #checkAtStart(loaded: LoadedGrant, now: number): Promise<boolean> {
    if (!checksIn(loaded.claims)) return false
    if (loaded.integrity !== 'sound') return true
    const { checkedAt } = await this.#store.highWater()
    return checkedAt === null || Math.abs(now - checkedAt) >= START_RECHECK_AFTER_MS
  }

  async #writeCheckMeta(patch: Partial<CheckMeta>): Promise<void> {
    const meta = await this.#readMeta()
    meta.check = { ...meta.check, ...patch }
    await this.#store.setMeta('check', meta.check)
  }
}

/** What the high-water record keeps of a verified grant. */
function markOf(claims: GrantClaims): GrantMark {
  return { sub: claims.sub, seq: claims.seq, status: claims.status }
}

/** The state's `problem` for a grant the high-water record did not vouch for, else null. */
function integrityProblem(loaded: Loaded): string | null {
  if (loaded.kind !== 'ok' || loaded.integrity === 'sound') return null
  return loaded.integrity === 'last_seen_missing' ? 'last_seen_missing' : 'grant_rolled_back'
}

/** The `kid` of a grant that verified (so its header is known to be well-formed). */
function signingKeyId(grant: string): string {
  return readHeader(grant, GRANT_TYP).kid ?? ''
}

function notActivated(): Extract<ActionResult, { ok: false }> {
  return { ok: false, status: 409, code: 'not_activated', message: 'This device has no license.' }
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

/** A fresh request nonce: 128 random bits, base64url. */
function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

function platformName(): string {
  return (typeof navigator !== 'undefined' && navigator.platform) || ''
}
