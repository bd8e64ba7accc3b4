import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { CompactSign, compactVerify, importJWK } from 'jose'
import { VerifierCache } from '../../../server/crypto/nodeEs256.ts'
import type { Deployment } from '../../../server/deployment/openDeployment.ts'
import { VALIDATE_PROOF } from '../../../server/services/LicenseService.ts'
import {
  generateEcKeyPair,
  proofNonce,
  signGrant,
  verifyGrant,
  verifyProof,
} from '../../../src/core/index.ts'
import type { PublicJwk } from '../../../src/core/index.ts'
import type { SimulatedDevice } from '../server/seedStore.ts'
import { compareRates } from '../support/rate.ts'
import type { Summary } from '../support/stats.ts'

export interface CryptoLimit {
  /** verify proof + verify grant + sign grant with node:crypto: the physical limit, per second. */
  nodeCrypto: Summary
  /** The same three operations with jose (WebCrypto) and keys imported once. */
  jose: Summary
  /**
   * What LicenseService runs per check, one at a time: verifyProof with the device key from its
   * cache, verifyGrant (signature, certificate, claims schema), signGrant, proofNonce; node:crypto
   * on libuv's thread pool, so each operation also pays the hand-over.
   */
  productPath: Summary
  /** Single ES256 operations per second, node:crypto against jose (WebCrypto), keys imported once. */
  operations: { signNode: Summary; signJose: Summary; verifyNode: Summary; verifyJose: Summary }
}

/**
 * The cryptography one validation needs, alone in this process, one validation at a time:
 * verify the device's proof, verify the grant, sign the new grant.
 */
export async function measureCryptoLimit(
  data: Deployment,
  device: SimulatedDevice,
): Promise<CryptoLimit> {
  const proof = device.key.proof(device.jti)
  const [grantHeader, grantPayload] = device.grant.split('.')
  const grantInput = Buffer.from(`${grantHeader}.${grantPayload}`)
  const [proofHeader, proofPayload, proofSignature] = proof.split('.')
  const proofInput = Buffer.from(`${proofHeader}.${proofPayload}`)
  const proofSig = Buffer.from(proofSignature ?? '', 'base64url')
  const devicePublic = createPublicKey({ key: { ...device.key.publicJwk }, format: 'jwk' })

  // A signing key of our own: the server's is sealed and non-extractable; the cost is the same.
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const p1363 = (key: typeof signing.privateKey) => ({ key, dsaEncoding: 'ieee-p1363' as const })
  const grantSig = sign('sha256', grantInput, p1363(signing.privateKey))

  const josePair = await generateEcKeyPair(true)
  const joseGrant = await new CompactSign(Buffer.from(grantPayload ?? '', 'base64url'))
    .setProtectedHeader({ alg: 'ES256', typ: 'leeway-grant+jwt' })
    .sign(josePair.privateKey)
  const joseDevice = await importJWK({ ...device.key.publicJwk }, 'ES256')
  const claimsBytes = Buffer.from(grantPayload ?? '', 'base64url')
  const joseSign = () =>
    new CompactSign(claimsBytes)
      .setProtectedHeader({ alg: 'ES256', typ: 'leeway-grant+jwt' })
      .sign(josePair.privateKey)

  const ring = await data.keys.ring()
  const signer = await data.keys.signer()
  const jwkText = JSON.stringify(device.key.publicJwk)
  const deviceKeys = new VerifierCache()
  const now = Date.now()
  const claims = await verifyGrant(device.grant, ring, { now })

  const checks = await compareRates({
    nodeCrypto: () => {
      const ok =
        verify('sha256', proofInput, p1363(devicePublic), proofSig) &&
        verify('sha256', grantInput, p1363(signing.publicKey), grantSig)
      if (!ok) throw new Error('signature did not verify')
      sign('sha256', grantInput, p1363(signing.privateKey))
    },
    jose: async () => {
      await compactVerify(proof, joseDevice, { algorithms: ['ES256'] })
      await compactVerify(joseGrant, josePair.publicKey, { algorithms: ['ES256'] })
      await joseSign()
    },
    productPath: async () => {
      const deviceKey = deviceKeys.get(jwkText, (text) => JSON.parse(text) as PublicJwk)
      await verifyProof(proof, deviceKey, { jti: device.jti, now, ...VALIDATE_PROOF })
      await verifyGrant(device.grant, ring, { now })
      await signGrant(claims, signer.key, signer.kid)
      await proofNonce(proof)
    },
  })
  const operations = await compareRates(
    {
      signNode: () => sign('sha256', grantInput, p1363(signing.privateKey)),
      signJose: joseSign,
      verifyNode: () => verify('sha256', grantInput, p1363(signing.publicKey), grantSig),
      verifyJose: () => compactVerify(joseGrant, josePair.publicKey, { algorithms: ['ES256'] }),
    },
    { rounds: 5, roundMs: 200 },
  )
  return { ...checks, operations }
}
