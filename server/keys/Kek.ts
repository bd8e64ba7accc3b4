import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

// A sealed value: `lwk1.<kek id>.<iv>.<ciphertext>.<tag>`, each part base64url. The KEK id lets a
// wrong or missing key be named in the error instead of surfacing as a bare authentication failure.
const PREFIX = 'lwk1'
const KEY_BYTES = 32
const IV_BYTES = 12

/** Thrown when a sealed value cannot be opened: another KEK sealed it, or it was altered. */
export class KekError extends Error {
  override readonly name = 'KekError'
}

/**
 * The key-encryption key: AES-256-GCM over secrets kept in the database (signing keys, shared
 * secrets). Each value is bound to its `context` (the row it belongs to) as associated data, so a
 * sealed value copied into another row does not open.
 *
 * @example
 * const kek = Kek.parse(process.env.LEEWAY_KEK)
 * const sealed = kek.seal(privateJwk, 'signing_key:abc')
 * kek.open(sealed, 'signing_key:abc') // privateJwk
 */
export class Kek {
  readonly #key: Buffer
  readonly #previous: readonly Kek[]
  /** First 8 bytes of SHA-256 of the key, hex: names the key without revealing it. */
  readonly id: string

  private constructor(key: Buffer, previous: readonly Kek[] = []) {
    this.#key = key
    this.#previous = previous
    this.id = createHash('sha256').update(key).digest('hex').slice(0, 16)
  }

  /** 32 random bytes, base64: a new value for `LEEWAY_KEK`. */
  static generate(): string {
    return randomBytes(KEY_BYTES).toString('base64')
  }

  /**
   * Reads a KEK written as base64, base64url or 64 hex digits. `previous` keys only open values,
   * for a KEK rotation: values they sealed are sealed again under the new key on start.
   */
  static parse(text: string, previous: readonly string[] = []): Kek {
    return new Kek(
      decodeKey(text),
      previous.map((p) => new Kek(decodeKey(p))),
    )
  }

  /** Whether `value` is sealed (by any KEK), as opposed to a plaintext row from before encryption. */
  static isSealed(value: string): boolean {
    return value.startsWith(`${PREFIX}.`)
  }

  /** Whether `value` is sealed under this key, so it needs no re-sealing. */
  sealedHere(value: string): boolean {
    return Kek.isSealed(value) && value.split('.')[1] === this.id
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'))
    return [PREFIX, this.id, ...parts].join('.')
  }

  /** Opens a sealed value; a plaintext value (written before encryption existed) is returned as is. */
  open(value: string, context: string): string {
    if (!Kek.isSealed(value)) return value
    const [, id, iv, body, tag] = value.split('.')
    if (id === undefined || iv === undefined || body === undefined || tag === undefined)
      throw new KekError(`${context}: the sealed value is malformed`)
    const key = [this as Kek, ...this.#previous].find((k) => k.id === id)
    if (!key) {
      throw new KekError(
        `${context} was sealed with key-encryption key ${id}, but LEEWAY_KEK is ${this.id}: set LEEWAY_KEK (or LEEWAY_KEK_PREVIOUS) to the key it was sealed with`,
      )
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.#key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8')
    } catch {
      throw new KekError(`${context}: the sealed value does not open (altered, or another row's)`)
    }
  }
}

function decodeKey(text: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  if (key.length !== KEY_BYTES)
    throw new KekError(
      `LEEWAY_KEK must be ${KEY_BYTES} bytes in base64 or hex (make one with \`openssl rand -base64 32\`)`,
    )
  return key
}
