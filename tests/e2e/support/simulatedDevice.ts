import { decodeJwt } from 'jose'
import type { APIRequestContext } from '@playwright/test'
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
    const pair = await generateEcKeyPair(false)
    const publicKey = toPublicJwk(await exportKey(pair.publicKey))
    const id = `sim-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    const device = new SimulatedDevice(request, id, name, pair.privateKey)
    const body = await device.#post('/api/v1/activate', {
      licenseKey,
      device: { id, name, platform: 'Linux x86_64', publicKey },
    })
    device.#grant = (body as { grant: string }).grant
    return device
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

  // Activations are rate-limited per address, and the whole browser suite shares one: wait out a 429.
  async #post(path: string, data: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.#request.post(`${SERVER}${path}`, { data })
      if (response.status() === 429 && attempt < 5) {
        const wait = Number(response.headers()['retry-after'] ?? '5')
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 15) * 1000))
        continue
      }
      expect(response.ok(), `${path}: ${await response.text()}`).toBe(true)
      return response.json()
    }
  }
}
