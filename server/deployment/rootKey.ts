import { readFileSync } from 'node:fs'
import {
  exportKey,
  generateEcKeyPair,
  importKey,
  isPublicJwk,
  toPublicJwk,
} from '../../src/core/index.ts'
import type { CryptoKey, JWK, PublicJwk } from '../../src/core/index.ts'
import type { Secrets } from '../secrets/Secrets.ts'

/** The root key of a deployment; the private half is absent when the operator keeps it offline. */
export interface RootKey {
  rootPublicJwk: PublicJwk
  rootPrivateKey: CryptoKey | undefined
}

/**
 * Reads the root key from the secrets, or makes one on first run. A deployment that holds only the
 * public half (`leeway keys export-root --private`, then deleted) keeps working without it.
 */
export async function loadOrCreateRootKey(secrets: Secrets): Promise<RootKey> {
  const privateText = await secrets.get('root-private-jwk')
  if (privateText !== undefined) {
    const jwk = JSON.parse(privateText) as JWK
    return { rootPublicJwk: toPublicJwk(jwk), rootPrivateKey: await importKey(jwk) }
  }
  const publicText = await secrets.get('root-public-jwk')
  if (publicText !== undefined) {
    const jwk: unknown = JSON.parse(publicText)
    if (!isPublicJwk(jwk)) throw new Error('the stored root public key is not a public P-256 JWK')
    return { rootPublicJwk: jwk, rootPrivateKey: undefined }
  }
  const pair = await generateEcKeyPair(true)
  const privateJwk = JSON.parse(
    await secrets.init('root-private-jwk', JSON.stringify(await exportKey(pair.privateKey))),
  ) as JWK
  const rootPublicJwk = toPublicJwk(privateJwk)
  await secrets.init('root-public-jwk', JSON.stringify(rootPublicJwk))
  return { rootPublicJwk, rootPrivateKey: await importKey(privateJwk) }
}

/** Reads a private JWK file, for `--root-key FILE`. */
export async function readPrivateKeyFile(file: string): Promise<CryptoKey> {
  return importKey(JSON.parse(readFileSync(file, 'utf8')) as JWK)
}
