import { createKeyRing, proofNonce, verifyGrant } from '../../../src/core/index.ts'
import type { KeyRing, PublicJwk } from '../../../src/core/index.ts'
import type { StormAnswer } from './reconnectStorm.ts'

/**
 * Verifies every grant a storm brought back as the worker would: signed by a key the pinned root
 * certified, bound to the device (id and key thumbprint), carrying the nonce of the proof it
 * answers, with a higher `seq` than the device held, and active. Each device then holds it.
 */
export async function verifyFreshGrants(
  answers: readonly StormAnswer[],
  rootJwk: PublicJwk,
): Promise<{ verified: number; problems: string[] }> {
  const rings = new Map<string, KeyRing>()
  const problems: string[] = []
  let verified = 0
  for (const { device, grant, proof, certs } of answers) {
    const certsKey = certs.join(',')
    const ring = rings.get(certsKey) ?? (await createKeyRing(rootJwk, certs))
    rings.set(certsKey, ring)
    try {
      const claims = await verifyGrant(grant, ring, {
        now: Date.now(),
        expect: { dev: device.deviceId, jkt: device.key.jkt },
      })
      if (claims.nonce !== (await proofNonce(proof))) throw new Error('nonce of another request')
      if (claims.seq <= device.seq) throw new Error(`seq ${claims.seq} is not newer`)
      if (claims.status !== 'active') throw new Error(`status ${claims.status}`)
      Object.assign(device, { grant, jti: claims.jti, seq: claims.seq })
      verified += 1
    } catch (error) {
      problems.push(`${device.deviceId}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return { verified, problems }
}
