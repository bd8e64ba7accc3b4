import type { DeviceIdentity } from '../store/LicenseStore.ts'
import { fail } from './actionResult.ts'
import type { ActionResult } from './actionResult.ts'
import type { CheckBook } from './CheckBook.ts'
import type { GrantKeeper } from './GrantKeeper.ts'
import type { StateView } from './StateView.ts'

/** A grant the user asked for: by activation or deactivation (with its request's nonce), or a file. */
export type InstallRequest =
  { action: 'activate' | 'deactivate' | 'lease'; nonce: string } | { action: 'import' }

/** Installs the grant of a direct answer (activation, deactivation) or of a license file. */
export class GrantInstaller {
  readonly #product: string
  readonly #keeper: GrantKeeper
  readonly #book: CheckBook
  readonly #view: StateView

  /** `product`: the one this worker serves; a grant for another is refused, not installed. */
  constructor(product: string, keeper: GrantKeeper, book: CheckBook, view: StateView) {
    this.#product = product
    this.#keeper = keeper
    this.#book = book
    this.#view = view
  }

  /** A direct answer must carry the nonce of its request: an old answer replayed is interference. */
  async install(
    body: Record<string, unknown>,
    device: DeviceIdentity,
    request: InstallRequest,
  ): Promise<ActionResult> {
    const certs = stringArray(body.certs)
    if (typeof body.grant !== 'string' || !certs) return fail(502, 'interference')
    const file = request.action === 'import'
    const applied = await this.#keeper.apply(
      { grant: body.grant, certs },
      device,
      file
        ? { product: this.#product }
        : { nonce: request.nonce, requireNonce: true, product: this.#product },
    )
    if (applied.kind === 'rejected') {
      // A file is the user's to fix; an answer that does not verify was changed on the network,
      // or comes from a server whose root this build does not pin.
      // As the server refuses a key of another product (403), when it can tell; a server that
      // cannot has issued the grant, and the seat it took stays taken until freed.
      if (applied.code === 'product_mismatch') return fail(403, 'product_mismatch')
      if (applied.code === 'root_key_mismatch') return fail(502, 'root_key_mismatch')
      return file ? fail(400, 'grant_invalid') : fail(502, 'interference')
    }
    const serverTime = applied.claims.iat * 1000
    if (request.action === 'import') {
      if (!applied.won) return fail(409, 'older_license')
      // A file may be days old: its time only ever moves lastSeen forward.
      await this.#book.advanceLastSeenTo(serverTime)
    } else {
      await this.#book.recordSuccess(serverTime, serverTime, null)
    }
    return { ok: true, state: await this.#view.publish() }
  }
}

function stringArray(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
    ? (value as string[])
    : null
}
