import { webcrypto } from 'node:crypto'
import { Crypto as PeculiarCrypto } from '@peculiar/webcrypto'
import { describe, expect, it } from 'vitest'
import {
  createKeyRing,
  exportKey,
  signGrant,
  signProof,
  thumbprint,
  verifyCertificate,
  verifyGrant,
  verifyProof,
} from '../../../src/core/index.ts'
import { demoGrant } from '../support/demo.ts'
import { NOW, NOW_S, certify, keyFromJwk, newKey, outcomeOf } from './trustChain.ts'
import type { Key } from './trustChain.ts'

const implementations = { Node: webcrypto, peculiar: new PeculiarCrypto() }
type Implementation = keyof typeof implementations

/** Runs `run` with `globalThis.crypto` set to one implementation, and puts the previous one back. */
async function withCrypto<T>(name: Implementation, run: () => Promise<T>): Promise<T> {
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'crypto')
  Object.defineProperty(globalThis, 'crypto', {
    value: implementations[name],
    configurable: true,
    writable: true,
  })
  try {
    return await run()
  } finally {
    if (previous) Object.defineProperty(globalThis, 'crypto', previous)
  }
}

/** What crosses from the signing side to the verifying side: JWKs and strings, nothing else. */
interface Issued {
  rootJwk: Key['publicJwk']
  signerJwk: Key['publicJwk']
  deviceJwk: Key['publicJwk']
  cert: string
  grant: string
  proof: string
  strangerGrant: string
}

async function issue(): Promise<Issued> {
  const [root, signer, device, stranger] = await Promise.all([
    newKey(),
    newKey(),
    newKey(),
    newKey(),
  ])
  const claims = demoGrant({ iat: NOW_S, dev: 'dev_a', cnf: { jkt: device.kid } })
  return {
    rootJwk: root.publicJwk,
    signerJwk: signer.publicJwk,
    deviceJwk: device.publicJwk,
    cert: await certify(root, signer),
    grant: await signGrant(claims, signer.privateKey, signer.kid),
    proof: await signProof({ jti: claims.jti, ts: NOW_S }, device.privateKey),
    strangerGrant: await signGrant(claims, stranger.privateKey, signer.kid),
  }
}

async function verifyAll(issued: Issued) {
  const ring = await createKeyRing(issued.rootJwk, [issued.cert])
  return {
    rejected: ring.rejected,
    deviceKid: await thumbprint(issued.deviceJwk),
    cert: await verifyCertificate(issued.cert, issued.rootJwk),
    grant: await verifyGrant(issued.grant, ring, {
      now: NOW,
      expect: { aud: 'notes', dev: 'dev_a' },
    }),
    proof: await verifyProof(issued.proof, issued.deviceJwk, { jti: 'grant_1', now: NOW }),
    stranger: await outcomeOf(() => verifyGrant(issued.strangerGrant, ring, { now: NOW })),
  }
}

describe('tokens signed by one WebCrypto implementation', () => {
  it.each<[Implementation, Implementation]>([
    ['Node', 'peculiar'],
    ['peculiar', 'Node'],
  ])('signed with %s verify with %s', async (signer, verifier) => {
    const issued = await withCrypto(signer, issue)
    const result = await withCrypto(verifier, () => verifyAll(issued))
    expect(result.rejected).toEqual([])
    expect(result.cert.jwk).toEqual(issued.signerJwk)
    expect(result.grant.jti).toBe('grant_1')
    // The thumbprint the signer bound into the grant is the one the verifier computes.
    expect(result.grant.cnf.jkt).toBe(result.deviceKid)
    expect(result.proof).toEqual({ jti: 'grant_1', ts: NOW_S })
    expect(result.stranger).toBe('signature_invalid')
  })

  it.each<[Implementation, Implementation]>([
    ['Node', 'peculiar'],
    ['peculiar', 'Node'],
  ])('a private key made by %s signs under %s once imported from JWK', async (maker, user) => {
    const made = await withCrypto(maker, newKey)
    const token = await withCrypto(user, async () => {
      const imported = await keyFromJwk(made.privateJwk, made.publicJwk)
      return signProof({ jti: 'grant_1', ts: NOW_S }, imported.privateKey)
    })
    const claims = await withCrypto(maker, () =>
      verifyProof(token, made.publicKey, { jti: 'grant_1', now: NOW }),
    )
    expect(claims.ts).toBe(NOW_S)
  })
})

describe('the two implementations really are different', () => {
  it('a key object from Node cannot be used by @peculiar/webcrypto, which is why keys cross as JWK', async () => {
    const nodeKey = await withCrypto('Node', newKey)
    const outcome = await withCrypto('peculiar', async () => {
      try {
        await exportKey(nodeKey.publicKey)
        return 'exported'
      } catch (error) {
        return error instanceof TypeError ? 'TypeError' : String(error)
      }
    })
    expect(outcome).toBe('TypeError')
  })

  it('puts the original crypto back after each swap', async () => {
    const before = globalThis.crypto
    await withCrypto('peculiar', async () => {
      expect(globalThis.crypto).toBe(implementations.peculiar)
    })
    await expect(
      withCrypto('Node', async () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(globalThis.crypto).toBe(before)
  })
})
