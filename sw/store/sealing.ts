const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A new AES-GCM key that WebCrypto will never export: a copied database is unreadable elsewhere. */
export async function createSealingKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

/** Encrypts `value` as JSON; `name` is authenticated, so a record moved to another name fails to open. */
export async function seal(
  key: CryptoKey,
  name: string,
  value: unknown,
): Promise<{ iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer }> {
  const iv = crypto.getRandomValues(new Uint8Array(new ArrayBuffer(12)))
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(name) },
    key,
    encoder.encode(JSON.stringify(value)),
  )
  return { iv, data }
}

/** Decrypts a sealed record; throws if it was altered, moved or sealed under another key. */
export async function unseal(
  key: CryptoKey,
  name: string,
  sealed: { iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer },
): Promise<unknown> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: sealed.iv, additionalData: encoder.encode(name) },
    key,
    sealed.data,
  )
  return JSON.parse(decoder.decode(plain))
}
