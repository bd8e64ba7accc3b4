import { signProof } from '../../src/core/index.ts'
import type { GrantClaims, ProofEndpoint } from '../../src/core/index.ts'
import type { DeviceIdentity } from '../store/LicenseStore.ts'
import { answersWithoutCors, callServer } from './callServer.ts'
import type { ServerAnswer } from './callServer.ts'
import type { CheckBook } from './CheckBook.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

type LinkConfig = Pick<
  WorkerConfig,
  'apiBase' | 'origin' | 'fetch' | 'requestTimeoutMs' | 'now' | 'onLine'
>

/** The license server as the worker reaches it: its endpoints, and proofs dated by its clock. */
export class ServerLink {
  readonly #config: LinkConfig
  readonly #book: CheckBook
  readonly #corsProbe: (() => Promise<boolean>) | undefined

  constructor(config: LinkConfig, book: CheckBook) {
    this.#config = config
    this.#book = book
    // Only a server on another origin can refuse us with CORS; asked only while the device is
    // online, where a failed request is not the network's doing.
    const api = new URL(config.apiBase, config.origin)
    const options = { fetch: config.fetch, timeoutMs: config.requestTimeoutMs }
    this.#corsProbe =
      api.origin === new URL(config.origin).origin
        ? undefined
        : async () => config.onLine() && answersWithoutCors(`${config.apiBase}/keys`, options)
  }

  call(path: string, body: unknown): Promise<ServerAnswer> {
    return callServer(`${this.#config.apiBase}${path}`, body, {
      fetch: this.#config.fetch,
      timeoutMs: this.#config.requestTimeoutMs,
      now: this.#config.now,
      ...(this.#corsProbe ? { corsProbe: this.#corsProbe } : {}),
    })
  }

  /** The license server's endpoint at `path` (under `apiBase`, which may name another origin). */
  endpoint(path: string): ProofEndpoint {
    return {
      htm: 'POST',
      htu: new URL(`${this.#config.apiBase}${path}`, 'https://leeway.invalid').pathname,
    }
  }

  /** A proof of this device's key for the grant `claims`, good at `endpoint` only. */
  async prove(
    claims: GrantClaims,
    device: DeviceIdentity,
    endpoint: ProofEndpoint,
  ): Promise<string> {
    const ts = Math.floor((await this.#book.serverNow()) / 1000)
    return signProof({ jti: claims.jti, ts, ...endpoint }, device.keyPair.privateKey)
  }
}
