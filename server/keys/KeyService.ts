import {
  createKeyRing,
  exportKey,
  generateEcKeyPair,
  signCertificate,
  thumbprint,
  toPublicJwk,
} from '../../src/core/index.ts'
import type { CryptoKey, Es256Signer, JWK, KeyRing, PublicJwk } from '../../src/core/index.ts'
import { nodeSigner, nodeVerifier } from '../crypto/nodeEs256.ts'
import type { Store } from '../storage/Store.ts'
import type { Kek } from './Kek.ts'
import { auditEntry, SETUP_ACTOR } from '../services/audit.ts'
import type { AdminActor } from '../services/audit.ts'

/** How long a signing-key certificate is valid: grants it signed stop verifying after this. */
export const CERT_LIFETIME_SECONDS = 5 * 365 * 86_400
// Certificates start a little in the past so a device whose clock runs slightly behind accepts them.
const CERT_BACKDATE_SECONDS = 300

// An unknown kid triggers a reload at most this often.
const RELOAD_UNKNOWN_KID_AFTER_MS = 1_000
// A certificate this close to its end no longer signs: devices must have time to use the grant.
const SIGNING_MARGIN_MS = 86_400_000

export interface ActiveSigner {
  kid: string
  key: Es256Signer
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
  #signers: { kid: string; notAfter: number; sealed: string }[] = []
  readonly #imported = new Map<string, ActiveSigner>()
  #reloadedAt = 0
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
      async (jwk) => nodeVerifier(jwk),
    )
    this.#signers = rows.map((row) => ({
      kid: row.kid,
      notAfter: row.not_after,
      sealed: row.private_jwk,
    }))
    this.#reloadedAt = Date.now()
    this.#certs = rows.map((row) => ({ token: row.cert, notAfter: row.not_after }))
    this.#ring = ring
  }

  /** The key ring of every certified signing key. */
  async ring(): Promise<KeyRing> {
    if (!this.#ring) await this.reload()
    if (!this.#ring) throw new Error('key ring could not be loaded')
    return this.#ring
  }

  /**
   * Whether `kid` is certified; reloads when it is not, in case another instance rotated, but at
   * most once every few seconds: a batch of grants with made-up kids must not become a batch of
   * database reads.
   */
  async knows(kid: string): Promise<boolean> {
    const has = (ring: KeyRing) => ring.certificates.some((cert) => cert.kid === kid)
    if (has(await this.ring())) return true
    if (Date.now() - this.#reloadedAt < RELOAD_UNKNOWN_KID_AFTER_MS) return false
    await this.reload()
    return has(await this.ring())
  }

  /**
   * The key that signs new grants: the newest whose certificate is still valid at `now` (with a
   * day to spare), since a grant under an expired certificate verifies nowhere.
   */
  async signer(now: number = Date.now()): Promise<ActiveSigner> {
    if (this.#signers.length === 0) await this.reload()
    const usable = this.#signers.filter((row) => row.notAfter > now + SIGNING_MARGIN_MS).at(-1)
    if (!usable) {
      throw new Error(
        this.#signers.length === 0
          ? 'no signing key: run `leeway init` or `leeway keys rotate`'
          : 'every signing certificate has expired or expires within a day: run `leeway keys rotate`',
      )
    }
    let signer = this.#imported.get(usable.kid)
    if (!signer) {
      const jwk = JSON.parse(this.#kek.open(usable.sealed, sealContext(usable.kid))) as JWK
      signer = { kid: usable.kid, key: nodeSigner(jwk) }
      this.#imported.set(usable.kid, signer)
    }
    return signer
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
  async rotate(
    rootPrivateKey: CryptoKey,
    now: number,
    actor: AdminActor = SETUP_ACTOR,
  ): Promise<string> {
    const pair = await generateEcKeyPair(true)
    const publicJwk = toPublicJwk(await exportKey(pair.publicKey))
    const kid = await thumbprint(publicJwk)
    const nowSeconds = Math.floor(now / 1000)
    const exp = nowSeconds + CERT_LIFETIME_SECONDS
    const cert = await signCertificate(
      { kid, jwk: publicJwk, nbf: nowSeconds - CERT_BACKDATE_SECONDS, exp, use: 'grant' },
      rootPrivateKey,
    )
    await this.#store.insertSigningKey(
      {
        kid,
        private_jwk: this.#kek.seal(
          JSON.stringify(await exportKey(pair.privateKey)),
          sealContext(kid),
        ),
        cert,
        not_after: exp * 1000,
        created_at: now,
      },
      auditEntry(actor, 'keys.rotate', kid, { notAfter: exp * 1000 }, now),
    )
    await this.reload()
    return kid
  }
}

/** What a sealed private key is bound to: its row, so that it does not open in another. */
function sealContext(kid: string): string {
  return `signing_keys:${kid}`
}
