import { LICENSE_REQUEST_HEADER } from '../core/index.ts'
import type {
  HolderProofResponse,
  LicenseEndpoints,
  ProofEndpoint,
  RequestCodeResponse,
  ServedLicenseState,
  WorkerError,
  WorkerErrorBody,
} from '../core/index.ts'
import type { LicenseStateStore } from './licenseStore.ts'

/** What every POST to the worker carries: the worker refuses one without (a cross-site form). */
export const LICENSE_POST_HEADERS = {
  'content-type': 'application/json',
  [LICENSE_REQUEST_HEADER]: '1',
} as const

/**
 * A state, or a failure's code for the page to put in words (with the license server's own words
 * in `detail` where it refused). `no_worker`: no worker answered.
 */
export type ActionOutcome =
  { ok: true; state: ServedLicenseState; queued: boolean } | ({ ok: false } & WorkerError)

/** The worker's endpoints as the page calls them; every state an action returns goes to `store`. */
export class LicenseActions {
  readonly #endpoints: LicenseEndpoints
  readonly #store: LicenseStateStore
  readonly #fetch: typeof fetch

  constructor(endpoints: LicenseEndpoints, store: LicenseStateStore, fetchImpl: typeof fetch) {
    this.#endpoints = endpoints
    this.#store = store
    this.#fetch = fetchImpl
  }

  /** Activates this device with a license key, through the worker. */
  async activate(licenseKey: string, deviceName?: string): Promise<ActionOutcome> {
    return keepStorage(await this.#post(this.#endpoints.activate, { licenseKey, deviceName }))
  }

  /** Installs a license file made by `leeway offline-activate`. */
  async importLicenseFile(licenseFile: string): Promise<ActionOutcome> {
    return keepStorage(await this.#post(this.#endpoints.import, { licenseFile }))
  }

  /** The request code for air-gapped activation. */
  async requestCode(deviceName?: string): Promise<RequestCodeResponse> {
    const query = deviceName ? `?name=${encodeURIComponent(deviceName)}` : ''
    const response = await this.#fetch(this.#endpoints.requestCode + query, { cache: 'no-store' })
    if (!response.ok) throw new Error('the license worker could not make a request code')
    return (await response.json()) as RequestCodeResponse
  }

  /** "Check now". */
  recheck(): Promise<ActionOutcome> {
    return this.#post(this.#endpoints.recheck, {})
  }

  /** Frees this device's seat; while offline it is queued (`queued: true`). */
  deactivate(): Promise<ActionOutcome> {
    return this.#post(this.#endpoints.deactivate, {})
  }

  /** Takes a floating license's lease now. */
  takeLease(): Promise<ActionOutcome> {
    return this.#post(this.#endpoints.lease, {})
  }

  /** Holds a floating license's slot for offline work until `until` (epoch ms). */
  borrow(until: number): Promise<ActionOutcome> {
    return this.#post(this.#endpoints.borrow, { until })
  }

  /** Gives a floating license's slot back; while offline it is queued (`queued: true`). */
  giveBack(): Promise<ActionOutcome> {
    return this.#post(this.#endpoints.giveBack, {})
  }

  /** Records the user's telemetry choice; whether the worker took it. */
  async setTelemetry(optIn: boolean): Promise<boolean> {
    const response = await this.#fetch(this.#endpoints.telemetry, {
      method: 'POST',
      headers: LICENSE_POST_HEADERS,
      body: JSON.stringify({ optIn }),
    })
    return response.ok
  }

  /** Whether the user agreed to telemetry (off by default). */
  async telemetry(): Promise<boolean> {
    try {
      const response = await this.#fetch(this.#endpoints.telemetry, { cache: 'no-store' })
      const body = (await response.json()) as { optIn?: unknown }
      return response.ok && body.optIn === true
    } catch {
      return false
    }
  }

  /**
   * This license's grant with a fresh single-use proof, for one request to the app's own server
   * that must check the license itself (an `online` feature): the proof names that request's
   * method and path, and is good there only. Null when the device has no license (or for the
   * license server's own device endpoints, which only the worker signs for).
   * @example const holder = await client.proof({ htm: 'POST', htu: '/api/v1/shares' }); await fetch('/api/v1/shares', { method: 'POST', body: JSON.stringify({ ...holder, title, body }) })
   */
  async proof(endpoint: ProofEndpoint): Promise<HolderProofResponse | null> {
    try {
      const response = await this.#fetch(this.#endpoints.proof, {
        method: 'POST',
        cache: 'no-store',
        headers: LICENSE_POST_HEADERS,
        body: JSON.stringify(endpoint),
      })
      return response.ok ? ((await response.json()) as HolderProofResponse) : null
    } catch {
      return null
    }
  }

  async #post(path: string, body: unknown): Promise<ActionOutcome> {
    let response: Response
    try {
      response = await this.#fetch(path, {
        method: 'POST',
        headers: LICENSE_POST_HEADERS,
        body: JSON.stringify(body),
      })
    } catch {
      return { ok: false, code: 'no_worker' }
    }
    const json = (await response.json().catch(() => null)) as
      (ServedLicenseState & { queued?: boolean }) | Partial<WorkerErrorBody> | null
    if (!response.ok || !json || 'error' in json) {
      const error = json && 'error' in json ? json.error : undefined
      return {
        ok: false,
        code: error?.code ?? 'unknown',
        detail: error?.detail,
        details: error?.details,
        retryAt: error?.retryAt,
      }
    }
    const { queued, ...state } = json as ServedLicenseState & { queued?: boolean }
    this.#store.set(state)
    return { ok: true, state, queued: queued === true }
  }
}

/**
 * Keeps the license through storage pressure where a license was installed; only pages may ask.
 * Never awaited: Firefox prompts, so the promise may never settle; WebKit over http has no
 * `navigator.storage`; a browser that refuses may throw before any promise.
 */
function keepStorage(outcome: ActionOutcome): ActionOutcome {
  if (outcome.ok)
    void Promise.resolve()
      .then(() => navigator.storage?.persist?.())
      .catch(() => false)
  return outcome
}
