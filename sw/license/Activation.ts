import { createRequestCode, decodeLicenseFile } from '../../src/core/index.ts'
import type { RequestCodeResponse } from '../../src/core/index.ts'
import type { LicenseStore } from '../store/LicenseStore.ts'
import { fail } from './actionResult.ts'
import type { ActionResult } from './actionResult.ts'
import type { CheckBook } from './CheckBook.ts'
import type { GrantInstaller } from './GrantInstaller.ts'
import type { ServerLink } from './ServerLink.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

/** The ways onto a license: online with a key, or air-gapped with a request code and a file. */
export class Activation {
  readonly #store: LicenseStore
  readonly #config: Pick<WorkerConfig, 'now' | 'product'>
  readonly #book: CheckBook
  readonly #server: ServerLink
  readonly #installer: GrantInstaller

  constructor(
    store: LicenseStore,
    config: Pick<WorkerConfig, 'now' | 'product'>,
    parts: { book: CheckBook; server: ServerLink; installer: GrantInstaller },
  ) {
    this.#store = store
    this.#config = config
    this.#book = parts.book
    this.#server = parts.server
    this.#installer = parts.installer
  }

  /** Online activation with a license key. */
  async activate(licenseKey: string, deviceName: string): Promise<ActionResult> {
    const device = await this.#store.device()
    const nonce = randomNonce()
    const answer = await this.#server.call('/activate', {
      licenseKey,
      nonce,
      product: this.#config.product,
      device: {
        id: device.id,
        name: deviceName,
        platform: platformName(),
        publicKey: device.publicJwk,
      },
    })
    if (answer.kind === 'unreachable') {
      if (answer.status === 429) return fail(429, 'rate_limited', answer.retryAt)
      // An activation's Retry-After is about activations, never about re-checks.
      await this.#book.recordFailure(
        { connectivity: answer.connectivity, retryAt: null },
        answer.code ? { code: answer.code } : null,
      )
      if (answer.code) return fail(503, answer.code)
      if (answer.connectivity === 'offline') return fail(503, 'offline')
      if (answer.connectivity === 'interference') return fail(503, 'interference')
      return fail(503, 'server_error', answer.retryAt)
    }
    if (answer.kind === 'api-error') {
      const { status, code, message, details } = answer
      return { ok: false, status, code, detail: message, ...(details ? { details } : {}) }
    }
    return this.#installer.install(answer.body, device, { action: 'activate', nonce })
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
    } catch {
      return fail(400, 'bad_request')
    }
    return this.#installer.install(
      { grant: file.grant, certs: file.certs },
      await this.#store.device(),
      { action: 'import' },
    )
  }
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
