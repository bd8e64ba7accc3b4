import {
  createKeyRing,
  exportKey,
  generateEcKeyPair,
  importKey,
  signCertificate,
  thumbprint,
  toPublicJwk,
} from '../../src/core/index.ts'
import type { CryptoKey, JWK, KeyRing, PublicJwk } from '../../src/core/index.ts'
import type { Store } from '../storage/Store.ts'
import type { Kek } from './Kek.ts'

/** How long a signing-key certificate is valid: grants it signed stop verifying after this. */
export const CERT_LIFETIME_SECONDS = 5 * 365 * 86_400
// Certificates start a little in the past so a device whose clock runs slightly behind accepts them.
const CERT_BACKDATE_SECONDS = 300

export interface ActiveSigner {
  kid: string
  key: CryptoKey
}

/**
 * The server's signing keys: the newest one signs, every certified one verifies. Keys live in the
 * store so that rotation reaches every instance, their private halves sealed under the KEK; the
 * root private key is needed only to certify.
 */
export class KeyService {
  readonly #store: Store
  readonly #rootPublicJwk: PublicJwk
  readonly #kek: Kek
  #ring: KeyRing | undefined
  #signer: ActiveSigner | undefined
  #certs: { token: string; notAfter: number }[] = []

  constructor(store: Store, rootPublicJwk: PublicJwk, kek: Kek) {
    this.#store = store
    this.#rootPublicJwk = rootPublicJwk
    this.#kek = kek
  }

  get rootPublicJwk(): PublicJwk {
    return this.#rootPublicJwk
  }

  /** Reads the keys from the store again (after a rotation, here or by another instance). */
  async reload(): Promise<void> {
    const rows = await this.#store.listSigningKeys()
    const ring = await createKeyRing(
      this.#rootPublicJwk,
      rows.map((row) => row.cert),
    )
    const newest = rows.at(-1)
    this.#signer = newest
      ? {
          kid: newest.kid,
          key: await importKey(
            JSON.parse(this.#kek.open(newest.private_jwk, sealContext(newest.kid))) as JWK,
          ),
        }
      : undefined
    this.#certs = rows.map((row) => ({ token: row.cert, notAfter: row.not_after }))
    this.#ring = ring
  }

  /** The key ring of every certified signing key. */
  async ring(): Promise<KeyRing> {
    if (!this.#ring) await this.reload()
    if (!this.#ring) throw new Error('key ring could not be loaded')
    return this.#ring
  }

  /** Whether `kid` is certified; reloads once when it is not, in case another instance rotated. */
  async knows(kid: string): Promise<boolean> {
    const has = (ring: KeyRing) => ring.certificates.some((cert) => cert.kid === kid)
    if (has(await this.ring())) return true
    await this.reload()
    return has(await this.ring())
  }

  /** The key that signs new grants. */
  async signer(): Promise<ActiveSigner> {
    if (!this.#signer) await this.reload()
    if (!this.#signer) throw new Error('no signing key: run `leeway init` or `leeway keys rotate`')
    return this.#signer
  }

  /** Certificates still valid at `now` (ms), to hand to devices beside their grants. */
  async certificates(now: number): Promise<string[]> {
    if (!this.#ring) await this.reload()
    return this.#certs.filter((cert) => cert.notAfter > now).map((cert) => cert.token)
  }

  /**
   * Seals every stored private key under the current KEK: rows written before keys were encrypted,
   * and rows sealed by a previous KEK (LEEWAY_KEK_PREVIOUS). Safe to run on every start, by every
   * instance: each row is replaced only if it is still what was read.
   */
  async sealStoredKeys(): Promise<number> {
    let sealed = 0
    for (const row of await this.#store.listSigningKeys()) {
      if (this.#kek.sealedHere(row.private_jwk)) continue
      const context = sealContext(row.kid)
      const plaintext = this.#kek.open(row.private_jwk, context)
      await this.#store.resealSigningKey(
        row.kid,
        row.private_jwk,
        this.#kek.seal(plaintext, context),
      )
      sealed += 1
    }
    return sealed
  }

  /** Creates a new signing key, certifies it with the root private key, and makes it the signer. */
  async rotate(rootPrivateKey: CryptoKey, now: number): Promise<string> {
    const pair = await generateEcKeyPair(true)
    const publicJwk = toPublicJwk(await exportKey(pair.publicKey))
    const kid = await thumbprint(publicJwk)
    const nowSeconds = Math.floor(now / 1000)
    const exp = nowSeconds + CERT_LIFETIME_SECONDS
    const cert = await signCertificate(
      { kid, jwk: publicJwk, nbf: nowSeconds - CERT_BACKDATE_SECONDS, exp, use: 'grant' },
      rootPrivateKey,
    )
    await this.#store.insertSigningKey({
      kid,
      private_jwk: this.#kek.seal(
        JSON.stringify(await exportKey(pair.privateKey)),
        sealContext(kid),
      ),
      cert,
      not_after: exp * 1000,
      created_at: now,
    })
    await this.reload()
    return kid
  }
}

/** What a sealed private key is bound to: its row, so that it does not open in another. */
function sealContext(kid: string): string {
  return `signing_keys:${kid}`
}
