import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { PROOF_TYP, thumbprint } from '../../../src/core/index.ts'
import type { PublicJwk } from '../../../src/core/index.ts'

const PROOF_HEADER = Buffer.from(JSON.stringify({ typ: PROOF_TYP, alg: 'ES256' })).toString(
  'base64url',
)

/**
 * A simulated device's P-256 key, in `node:crypto` so that thousands of devices sign their proofs
 * quickly in one process. The proofs are the same compact JWS the worker signs with WebCrypto.
 */
export class DeviceKey {
  readonly privateKey: KeyObject
  readonly publicJwk: PublicJwk
  readonly jkt: string

  private constructor(privateKey: KeyObject, publicJwk: PublicJwk, jkt: string) {
    this.privateKey = privateKey
    this.publicJwk = publicJwk
    this.jkt = jkt
  }

  /** A new key pair and its RFC 7638 thumbprint (the grant's `cnf.jkt`). */
  static async generate(): Promise<DeviceKey> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
    const publicJwk = { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) } as PublicJwk
    return new DeviceKey(privateKey, publicJwk, await thumbprint(publicJwk))
  }

  /**
   * A fresh single-use proof of possession for the grant `jti`, dated `now` (ms), bound to the
   * endpoint `htu` (validate unless said, e.g. `/api/v1/lease`).
   */
  proof(jti: string, now: number = Date.now(), htu = '/api/v1/validate'): string {
    const claims = { jti, ts: Math.floor(now / 1000), htm: 'POST', htu }
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
    const input = `${PROOF_HEADER}.${payload}`
    const signature = sign('sha256', Buffer.from(input), {
      key: this.privateKey,
      dsaEncoding: 'ieee-p1363',
    })
    return `${input}.${signature.toString('base64url')}`
  }
}
