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
 * store so that rotation reaches every instance; the root private key is needed only to certify.
 */
export class KeyService {
  readonly #store: Store
  readonly #rootPublicJwk: PublicJwk
  #ring: KeyRing | undefined
  #signer: ActiveSigner | undefined
  #certs: { token: string; notAfter: number }[] = []

  constructor(store: Store, rootPublicJwk: PublicJwk) {
    this.#store = store
    this.#rootPublicJwk = rootPublicJwk
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
      ? { kid: newest.kid, key: await importKey(JSON.parse(newest.private_jwk) as JWK) }
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
      private_jwk: JSON.stringify(await exportKey(pair.privateKey)),
      cert,
      not_after: exp * 1000,
      created_at: now,
    })
    await this.reload()
    return kid
  }
}
