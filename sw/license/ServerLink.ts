import { signProof } from '../../src/core/index.ts'
import type { GrantClaims, ProofEndpoint } from '../../src/core/index.ts'
import type { DeviceIdentity } from '../store/LicenseStore.ts'
import { callServer } from './callServer.ts'
import type { ServerAnswer } from './callServer.ts'
import type { CheckBook } from './CheckBook.ts'
import type { WorkerConfig } from './WorkerConfig.ts'

type LinkConfig = Pick<WorkerConfig, 'apiBase' | 'fetch' | 'requestTimeoutMs' | 'now'>

/** The license server as the worker reaches it: its endpoints, and proofs dated by its clock. */
export class ServerLink {
  readonly #config: LinkConfig
  readonly #book: CheckBook

  constructor(config: LinkConfig, book: CheckBook) {
    this.#config = config
    this.#book = book
  }

  call(path: string, body: unknown): Promise<ServerAnswer> {
    return callServer(`${this.#config.apiBase}${path}`, body, {
      fetch: this.#config.fetch,
      timeoutMs: this.#config.requestTimeoutMs,
      now: this.#config.now,
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
