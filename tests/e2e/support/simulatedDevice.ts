import { decodeJwt } from 'jose'
import type { APIRequestContext, APIResponse } from '@playwright/test'
import {
  RECONNECT_BUCKETS_MS,
  exportKey,
  generateEcKeyPair,
  signProof,
  toPublicJwk,
} from '../../../src/core/index.ts'
import type { CryptoKey, TelemetryCounters } from '../../../src/core/index.ts'
import { SERVER, expect } from './fixtures.ts'

let serial = 0

/**
 * A device speaking the public API from the test process, as the worker would: it activates with a
 * key pair of its own and re-checks with proofs of possession. Lets a dashboard test have devices
 * (and their telemetry) without a browser per device.
 */
export class SimulatedDevice {
  readonly id: string
  readonly name: string
  readonly #request: APIRequestContext
  readonly #privateKey: CryptoKey
  #grant = ''

  private constructor(request: APIRequestContext, id: string, name: string, privateKey: CryptoKey) {
    this.#request = request
    this.id = id
    this.name = name
    this.#privateKey = privateKey
  }

  /** Activates a new device on the license with `licenseKey`. */
  static async activate(
    request: APIRequestContext,
    licenseKey: string,
    name = `Simulated device ${++serial}`,
  ): Promise<SimulatedDevice> {
    const answer = await SimulatedDevice.tryActivate(request, licenseKey, name)
    if (typeof answer === 'string') throw new Error(`activation of ${name} refused: ${answer}`)
    return answer
  }

  /** Tries to activate a new device; answers it, or the refusal's error code (`all_leases_in_use`). */
  static async tryActivate(
    request: APIRequestContext,
    licenseKey: string,
    name = `Simulated device ${++serial}`,
  ): Promise<SimulatedDevice | string> {
    const pair = await generateEcKeyPair(false)
    const publicKey = toPublicJwk(await exportKey(pair.publicKey))
    const id = `sim-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    const device = new SimulatedDevice(request, id, name, pair.privateKey)
    const response = await device.#send('/api/v1/activate', {
      licenseKey,
      device: { id, name, platform: 'Linux x86_64', publicKey },
    })
    const body = (await response.json()) as { grant?: string; error?: { code: string } }
    if (!response.ok()) return body.error?.code ?? `HTTP ${response.status()}`
    device.#grant = body.grant ?? ''
    return device
  }

  /** Takes or renews a lease of its floating license (`POST /api/v1/lease`), as the worker does. */
  async lease(): Promise<void> {
    await this.#holderCall('/api/v1/lease')
  }

  /** Borrows its slot until `until` (epoch ms) for offline work. */
  async borrow(until: number): Promise<void> {
    await this.#holderCall('/api/v1/lease/borrow', { until })
  }

  /** A call proving the device holds its grant, with a proof bound to `path`; keeps the new grant. */
  async #holderCall(path: string, extra: Record<string, unknown> = {}): Promise<void> {
    const jti = decodeJwt(this.#grant).jti
    if (typeof jti !== 'string') throw new Error('the grant has no jti')
    const ts = Math.floor(Date.now() / 1000)
    const proof = await signProof({ jti, ts, htm: 'POST', htu: path }, this.#privateKey)
    const body = (await this.#post(path, { grant: this.#grant, proof, ...extra })) as {
      grant: string
    }
    this.#grant = body.grant
  }

  /** Re-checks online; with `telemetry`, the counters travel inside the call, as the worker sends them. */
  async recheck(telemetry?: {
    product: string
    counters: TelemetryCounters
    reconnectCounts: number[]
  }): Promise<{ telemetry?: { accepted: boolean } }> {
    const jti = decodeJwt(this.#grant).jti
    if (typeof jti !== 'string') throw new Error('the grant has no jti')
    const ts = Math.floor(Date.now() / 1000)
    const proof = await signProof(
      { jti, ts, htm: 'POST', htu: '/api/v1/validate' },
      this.#privateKey,
    )
    const body = (await this.#post('/api/v1/validate', {
      checks: [{ grant: this.#grant, proof }],
      ...(telemetry
        ? {
            telemetry: {
              product: telemetry.product,
              counters: telemetry.counters,
              reconnectToFresh: {
                bucketsMs: [...RECONNECT_BUCKETS_MS],
                counts: telemetry.reconnectCounts,
              },
            },
          }
        : {}),
    })) as { results: { ok: boolean; grant?: string }[]; telemetry?: { accepted: boolean } }
    const [result] = body.results
    expect(result?.ok, JSON.stringify(result)).toBe(true)
    if (result?.grant) this.#grant = result.grant
    return body
  }

  async #post(path: string, data: unknown): Promise<unknown> {
    const response = await this.#send(path, data)
    expect(response.ok(), `${path}: ${await response.text()}`).toBe(true)
    return response.json()
  }

  // Activations are rate-limited per address, and the whole browser suite shares one: wait out a 429.
  async #send(path: string, data: unknown): Promise<APIResponse> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.#request.post(`${SERVER}${path}`, { data })
      if (response.status() === 429 && attempt < 5) {
        const wait = Number(response.headers()['retry-after'] ?? '5')
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 15) * 1000))
        continue
      }
      return response
    }
  }
}
