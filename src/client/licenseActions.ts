import { LICENSE_ENDPOINTS, LICENSE_REQUEST_HEADER } from '../core/index.ts'
import type {
  HolderProofResponse,
  ProofEndpoint,
  RequestCodeResponse,
  ServedLicenseState,
  WorkerError,
  WorkerErrorBody,
} from '../core/index.ts'
import { license } from './licenseStore.ts'

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

/** Activates this device with a license key, through the worker. */
export async function activate(licenseKey: string, deviceName?: string): Promise<ActionOutcome> {
  const outcome = await post(LICENSE_ENDPOINTS.activate, { licenseKey, deviceName })
  // Keep the license through storage pressure; browsers decide, and only pages may ask.
  if (outcome.ok) void navigator.storage?.persist?.().catch(() => false)
  return outcome
}

/** Installs a license file made by `leeway offline-activate`. */
export async function importLicenseFile(licenseFile: string): Promise<ActionOutcome> {
  const outcome = await post(LICENSE_ENDPOINTS.import, { licenseFile })
  if (outcome.ok) void navigator.storage?.persist?.().catch(() => false)
  return outcome
}

/** The request code for air-gapped activation. */
export async function requestCode(deviceName?: string): Promise<RequestCodeResponse> {
  const query = deviceName ? `?name=${encodeURIComponent(deviceName)}` : ''
  const response = await fetch(LICENSE_ENDPOINTS.requestCode + query, { cache: 'no-store' })
  if (!response.ok) throw new Error('the license worker could not make a request code')
  return (await response.json()) as RequestCodeResponse
}

/** "Check now". */
export async function recheck(): Promise<ActionOutcome> {
  return post(LICENSE_ENDPOINTS.recheck, {})
}

/** Frees this device's seat; while offline it is queued (`queued: true`). */
export async function deactivate(): Promise<ActionOutcome> {
  return post(LICENSE_ENDPOINTS.deactivate, {})
}

export async function setTelemetry(optIn: boolean): Promise<boolean> {
  const response = await fetch(LICENSE_ENDPOINTS.telemetry, {
    method: 'POST',
    headers: LICENSE_POST_HEADERS,
    body: JSON.stringify({ optIn }),
  })
  return response.ok
}

/** Whether the user agreed to telemetry (off by default). */
export async function getTelemetry(): Promise<boolean> {
  try {
    const response = await fetch(LICENSE_ENDPOINTS.telemetry, { cache: 'no-store' })
    const body = (await response.json()) as { optIn?: unknown }
    return response.ok && body.optIn === true
  } catch {
    return false
  }
}

/**
 * This license's grant with a fresh single-use proof, for one request to the app's own server that
 * must check the license itself (an `online` feature): the proof names that request's method and
 * path, and is good there only. Null when the device has no license (or for the license server's
 * own device endpoints, which only the worker signs for).
 * @example const holder = await licenseProof({ htm: 'POST', htu: '/api/v1/shares' }); await fetch('/api/v1/shares', { method: 'POST', body: JSON.stringify({ ...holder, title, body }) })
 */
export async function licenseProof(endpoint: ProofEndpoint): Promise<HolderProofResponse | null> {
  try {
    const response = await fetch(LICENSE_ENDPOINTS.proof, {
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

async function post(path: string, body: unknown): Promise<ActionOutcome> {
  let response: Response
  try {
    response = await fetch(path, {
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
  license.set(state)
  return { ok: true, state, queued: queued === true }
}
