import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FaultProxy, ProxiedRequest } from '../../support/faultProxy.ts'

// The vendor's side of a browser test, with no browser driver in it: the Playwright suite
// (fixtures.ts) and the Firefox and WebKit suite (tests/engines) both use it.

export interface NewLicense {
  plan?: string
  seats?: number
  termEnd?: number
  recheckEvery?: string | null
  grace?: string
  floating?: { maxConcurrent: number; leaseLength: string; maxBorrow?: string }
}

/** Short windows, so a test sees a whole cycle in seconds: re-check due at 2 s, grace from 4 s to 8 s. */
export const SHORT_WINDOWS = { recheckEvery: 'PT4S', grace: 'PT4S' } as const

/** A manifest as the admin API holds it (src/core/manifest.ts); loose, since tests change it. */
export type ManifestJson = { products: Record<string, Record<string, unknown>> }

/** The vendor's side: the admin API of the server at `server`, called directly (never through the proxy). */
export class AdminClient {
  readonly #server: string
  readonly #headers: Record<string, string>

  /** `dataDir`: the server's data folder, where its admin token is. */
  constructor(server: string, dataDir: string) {
    this.#server = server
    this.#headers = {
      authorization: `Bearer ${readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()}`,
      'content-type': 'application/json',
    }
  }

  async createLicense(license: NewLicense = {}): Promise<{ id: string; key: string }> {
    return (await this.#send('POST', '/licenses', {
      product: 'notes',
      plan: 'pro',
      seats: 2,
      ...license,
    })) as { id: string; key: string }
  }

  async post(path: string, data: unknown = {}): Promise<unknown> {
    return this.#send('POST', path, data)
  }

  async delete(path: string): Promise<void> {
    await this.#send('DELETE', path)
  }

  /** Publishes `change(manifest)` and answers the one it replaced, to put back after the test. */
  async replaceManifest(change: (manifest: ManifestJson) => ManifestJson): Promise<ManifestJson> {
    const { manifest } = (await this.#send('GET', '/manifest')) as { manifest: ManifestJson }
    await this.#send('PUT', '/manifest', change(structuredClone(manifest)))
    return manifest
  }

  async devices(licenseId: string): Promise<{ id: string; state: string }[]> {
    const body = (await this.#send('GET', `/licenses/${licenseId}/devices`)) as {
      items: { id: string; state: string }[]
    }
    return body.items
  }

  /** Who holds the slots of a floating license now. */
  async leases(licenseId: string): Promise<{ deviceId: string; kind: string; endsAt: number }[]> {
    const body = (await this.#send('GET', `/licenses/${licenseId}/leases`)) as {
      items: { deviceId: string; kind: string; endsAt: number }[]
    }
    return body.items
  }

  async #send(method: string, path: string, data?: unknown): Promise<unknown> {
    const response = await fetch(`${this.#server}/admin/v1${path}`, {
      method,
      headers: this.#headers,
      ...(data === undefined ? {} : { body: JSON.stringify(data) }),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
    return text === '' ? undefined : (JSON.parse(text) as unknown)
  }
}

/** The validate calls the proxy saw. */
export function validateCalls(proxy: FaultProxy): ProxiedRequest[] {
  return proxy.log.filter((entry) => entry.path.startsWith('/api/v1/validate'))
}

/**
 * The license file an air-gapped device's request code gets on a connected machine with the
 * server's data folder: `leeway offline-activate`, the CLI a vendor runs.
 */
export function offlineLicenseFile(
  dataDir: string,
  licenseKey: string,
  requestCode: string,
): string {
  return execFileSync(
    'node',
    [
      'bin/leeway.js',
      'offline-activate',
      '--data',
      dataDir,
      '--key',
      licenseKey,
      '--code',
      requestCode,
    ],
    { encoding: 'utf8' },
  )
}

/** The same license file with one character of its grant's signed part changed on the way. */
export function tamperedLicenseFile(licenseFile: string): string {
  return licenseFile.replace(
    /"grant": "(.{40})./,
    (match, start: string) => `"grant": "${start}${match.endsWith('A') ? 'B' : 'A'}`,
  )
}
