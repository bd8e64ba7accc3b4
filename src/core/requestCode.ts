import type { CryptoKey } from 'jose'
import { LeewayError, ProofInvalid } from './errors.ts'
import { peekPayload, readHeader, signCompact, verifyCompact } from './jws.ts'
import { isPublicJwk, thumbprint } from './keys.ts'
import type { PublicJwk } from './keys.ts'
import { PROOF_MAX_SKEW_SECONDS } from './proof.ts'

export const REQUEST_TYP = 'leeway-request+jwt'
/** How old an air-gapped activation request may be: long enough to carry it to a connected machine. */
export const REQUEST_MAX_AGE_SECONDS = 30 * 86_400

export interface ActivationRequest {
  dev: string
  jwk: PublicJwk
  ts: number
  name: string
  platform: string
}

/**
 * Creates an air-gapped activation request: the device's id and public key, signed by that key so
 * the license file can only be made for the device that holds it. The result is plain printable text.
 */
export async function createRequestCode(
  request: ActivationRequest,
  devicePrivateKey: CryptoKey,
): Promise<string> {
  return signCompact(request, devicePrivateKey, { typ: REQUEST_TYP })
}

/** Verifies a request code's self-signature and age; every failure is `proof_invalid`. */
export async function verifyRequestCode(
  code: unknown,
  options: { now: number },
): Promise<ActivationRequest & { jkt: string }> {
  try {
    const text = typeof code === 'string' ? code.replace(/\s+/g, '') : code
    readHeader(text, REQUEST_TYP)
    // The key that must have signed the code is inside it: read it, then verify against it.
    const claimed = peekPayload(text as string)
    if (!isPublicJwk(claimed.jwk)) throw new ProofInvalid('request code has no device public key')
    const payload = await verifyCompact(text as string, { ...claimed.jwk }, 'request code')
    const { dev, jwk, ts, name, platform } = payload
    if (typeof dev !== 'string' || dev.length === 0 || dev.length > 128)
      throw new ProofInvalid('request code has no device id')
    if (!isPublicJwk(jwk)) throw new ProofInvalid('request code has no device public key')
    if (!Number.isSafeInteger(ts)) throw new ProofInvalid('request code has no time')
    const nowSeconds = Math.floor(options.now / 1000)
    const age = nowSeconds - (ts as number)
    if (age > REQUEST_MAX_AGE_SECONDS || age < -PROOF_MAX_SKEW_SECONDS) {
      throw new ProofInvalid(
        'request code is too old or from the future; make a new one on the device',
      )
    }
    return {
      dev,
      jwk,
      ts: ts as number,
      name: typeof name === 'string' ? name.slice(0, 100) : '',
      platform: typeof platform === 'string' ? platform.slice(0, 100) : '',
      jkt: await thumbprint(jwk),
    }
  } catch (error) {
    if (error instanceof ProofInvalid) throw error
    throw new ProofInvalid(
      `request code rejected: ${error instanceof LeewayError ? error.code : 'unreadable'}`,
    )
  }
}
