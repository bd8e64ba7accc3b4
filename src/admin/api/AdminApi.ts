import { readApiError } from '../../core/index.ts'
import type {
  AuditEntryView,
  CreatedLicense,
  DeviceView,
  DryRunResult,
  LeaseHolderView,
  LicenseDetail,
  LicenseView,
  ManifestHistoryItem,
  ManifestVersionView,
  NewLicenseInput,
  Page,
  StatusAction,
  TelemetrySeries,
} from '../../core/index.ts'
import { AdminApiError } from './AdminApiError.ts'

export interface AdminApiOptions {
  /** Where the admin API lives; the dashboard is served by the same server. */
  base?: string
  fetch?: typeof fetch
  /** Called when the server refuses the token, so the page can sign out. */
  onUnauthorized?: () => void
}

/**
 * The admin API, called with the admin token in the Authorization header (never in a URL).
 * Every failure is an `AdminApiError` with the server's code.
 */
export class AdminApi {
  readonly #token: string
  readonly #base: string
  readonly #fetch: typeof fetch
  readonly #onUnauthorized: () => void

  constructor(token: string, options: AdminApiOptions = {}) {
    this.#token = token
    this.#base = options.base ?? '/admin/v1'
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
    this.#onUnauthorized = options.onUnauthorized ?? (() => undefined)
  }

  /** Licenses newest first; `search` is matched by the server, so pages walk the matches. */
  listLicenses(cursor: string | null, limit: number, search = ''): Promise<Page<LicenseView>> {
    const query = new URLSearchParams({ limit: String(limit) })
    if (cursor) query.set('cursor', cursor)
    if (search.trim()) query.set('q', search.trim())
    return this.#call('GET', `/licenses?${query}`)
  }

  /** Every license matching `search` as CSV, for a download. */
  async exportLicenses(search = ''): Promise<Blob> {
    const query = search.trim() ? `?${new URLSearchParams({ q: search.trim() })}` : ''
    const response = await this.#send('GET', `/licenses.csv${query}`, { accept: 'text/csv' })
    if (response.ok) return response.blob()
    throw await this.#error(response)
  }

  /** Who did what, newest first. */
  audit(cursor: string | null, limit = 50): Promise<Page<AuditEntryView>> {
    const query = new URLSearchParams({ limit: String(limit) })
    if (cursor) query.set('cursor', cursor)
    return this.#call('GET', `/audit?${query}`)
  }

  license(id: string): Promise<LicenseDetail> {
    return this.#call('GET', `/licenses/${encodeURIComponent(id)}`)
  }

  createLicense(input: NewLicenseInput): Promise<CreatedLicense> {
    return this.#call('POST', '/licenses', { body: input })
  }

  setStatus(id: string, action: StatusAction, reason: string): Promise<LicenseView> {
    return this.#call('POST', `/licenses/${encodeURIComponent(id)}/${action}`, {
      body: reason ? { reason } : {},
    })
  }

  renew(id: string, termEnd: number): Promise<LicenseView> {
    return this.#call('POST', `/licenses/${encodeURIComponent(id)}/renew`, { body: { termEnd } })
  }

  removeDevice(id: string, deviceId: string): Promise<DeviceView> {
    return this.#call(
      'DELETE',
      `/licenses/${encodeURIComponent(id)}/devices/${encodeURIComponent(deviceId)}`,
    )
  }

  /** Who holds a slot of a floating license now, the soonest to end first. */
  async leases(id: string): Promise<LeaseHolderView[]> {
    const page = await this.#call<{ items: LeaseHolderView[] }>(
      'GET',
      `/licenses/${encodeURIComponent(id)}/leases`,
    )
    return page.items
  }

  /** Ends a device's lease or borrow now; the device learns it at its next call. */
  endLease(id: string, deviceId: string): Promise<{ deviceId: string; endedAt: number }> {
    return this.#call(
      'DELETE',
      `/licenses/${encodeURIComponent(id)}/leases/${encodeURIComponent(deviceId)}`,
    )
  }

  manifest(): Promise<ManifestVersionView> {
    return this.#call('GET', '/manifest')
  }

  /** Validates `manifestJson` (the editor's text, sent as written) and reports its impact; stores nothing. */
  dryRun(manifestJson: string): Promise<DryRunResult> {
    return this.#call('PUT', '/manifest?dryRun=1', { raw: manifestJson })
  }

  /** Publishes a new version. The note travels in a header, so it must be Latin-1 on one line. */
  publish(manifestJson: string, note: string): Promise<ManifestVersionView> {
    return this.#call('PUT', '/manifest', { raw: manifestJson, headers: { 'x-leeway-note': note } })
  }

  history(cursor: string | null): Promise<Page<ManifestHistoryItem>> {
    const query = cursor ? `?${new URLSearchParams({ cursor })}` : ''
    return this.#call('GET', `/manifest/history${query}`)
  }

  rollback(version: number, note: string): Promise<ManifestVersionView> {
    return this.#call('POST', '/manifest/rollback', {
      body: note ? { version, note } : { version },
    })
  }

  /** Daily series between two days (YYYY-MM-DD, inclusive). */
  telemetry(from: string, to: string): Promise<TelemetrySeries> {
    return this.#call('GET', `/telemetry?${new URLSearchParams({ from, to })}`)
  }

  async #call<T>(
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const payload =
      options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    if (payload !== undefined) headers['content-type'] = 'application/json'
    const response = await this.#send(method, path, headers, payload)
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => undefined)
    if (response.ok && body !== undefined) return body as T
    throw await this.#error(response)
  }

  async #send(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload?: string,
  ): Promise<Response> {
    try {
      return await this.#fetch(`${this.#base}${path}`, {
        method,
        // The audit log records who acted as the dashboard: with one admin token, a channel, not a person.
        headers: {
          authorization: `Bearer ${this.#token}`,
          'x-leeway-author': 'dashboard',
          ...headers,
        },
        body: payload,
        cache: 'no-store',
        credentials: 'omit',
      })
    } catch {
      throw new AdminApiError('network', 'The license server could not be reached.', 0)
    }
  }

  async #error(response: Response): Promise<AdminApiError> {
    const body: unknown = await response.json().catch(() => undefined)
    const error = readApiError(body)
    if (response.status === 401) this.#onUnauthorized()
    return new AdminApiError(
      error?.code ?? 'unexpected',
      error?.message ?? `The server answered ${response.status} without an explanation.`,
      response.status,
      error?.details,
    )
  }
}
