import fc from 'fast-check'
import { base64url } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyCertificate, verifyGrant } from '../../../src/core/index.ts'
import type { CoreErrorCode } from '../../../src/core/index.ts'
import { NOW, createTrustChain, grantFor, outcomeOf } from './trustChain.ts'
import type { TrustChain } from './trustChain.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const CODES: readonly CoreErrorCode[] = [
  'token_malformed',
  'alg_not_allowed',
  'typ_mismatch',
  'kid_unknown',
  'cert_invalid',
  'cert_not_valid',
  'signature_invalid',
  'claims_invalid',
]

let chain: TrustChain
let grant: string
const verifyAsGrant = (token: string) => verifyGrant(token, chain.ring, { now: NOW })
const verifyAsCert = (token: string) => verifyCertificate(token, chain.root.publicJwk)

beforeAll(async () => {
  chain = await createTrustChain()
  grant = await grantFor(chain)
})

const replaceAt = (text: string, index: number, char: string) =>
  `${text.slice(0, index)}${char}${text.slice(index + 1)}`

/**
 * Whether `tampered` carries different bytes than `original` once decoded the way the verifier
 * decodes (jose's base64url). The last character of a segment may carry unused padding bits
 * (RFC 4648 §3.5): changing only those leaves the decoded bytes as they were.
 */
function decodesDifferently(original: string, tampered: string): boolean {
  const parts = tampered.split('.')
  const before = original.split('.')
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) return true
  return parts.some((part, i) => {
    const a = base64url.decode(part)
    const b = base64url.decode(before[i] ?? '')
    return a.length !== b.length || a.some((byte, j) => byte !== b[j])
  })
}

const anyOtherChar = fc.oneof(
  fc.constantFrom(...ALPHABET),
  fc.constantFrom('.', '=', '+', '/', ' ', '\n', '\u0000', 'é', '€'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
)

/**
 * Outcome of a one-character change, as a rule: rejected with a LeewayError, except when only the
 * padding bits of the signature's last character changed. Then the token carries the very same
 * signature bytes, so it verifies, and to the very same claims. A change to the padding bits of
 * the header or payload still fails, because the signature covers their encoded text.
 */
async function expectRejectedUnlessSameSignatureBytes(
  original: string,
  index: number,
  char: string,
  verify: (token: string) => Promise<unknown>,
): Promise<void> {
  const tampered = replaceAt(original, index, char)
  const outcome = await outcomeOf(() => verify(tampered))
  const onlyPaddingOfSignature =
    index === original.length - 1 && !decodesDifferently(original, tampered)
  if (onlyPaddingOfSignature) {
    expect(outcome).toBe('verified')
    expect(await verify(tampered)).toEqual(await verify(original))
  } else {
    expect(CODES).toContain(outcome)
  }
}

describe('a grant with any one character changed', () => {
  it('no longer verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), anyOtherChar, async (n, char) => {
        const index = n % grant.length
        fc.pre(grant[index] !== char)
        await expectRejectedUnlessSameSignatureBytes(grant, index, char, verifyAsGrant)
      }),
      { numRuns: 100 },
    )
  })
})

describe('a certificate with any one character changed', () => {
  it('no longer verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), anyOtherChar, async (n, char) => {
        const index = n % chain.cert.length
        fc.pre(chain.cert[index] !== char)
        await expectRejectedUnlessSameSignatureBytes(chain.cert, index, char, verifyAsCert)
      }),
      { numRuns: 100 },
    )
  })
})

describe('the last character of each grant segment, replaced by every other base64url character', () => {
  it.each<[string, 0 | 1 | 2]>([
    ['header', 0],
    ['payload', 1],
    ['signature', 2],
  ])(
    'in the %s: only a change to the padding bits of the signature still verifies',
    async (_, segment) => {
      const ends = grant
        .split('.')
        .reduce<number[]>((acc, part) => [...acc, (acc.at(-1) ?? -1) + part.length + 1], [])
      const index = (ends[segment] ?? 0) - 1
      let verified = 0
      for (const char of ALPHABET) {
        if (char === grant[index]) continue
        await expectRejectedUnlessSameSignatureBytes(grant, index, char, verifyAsGrant)
        if ((await outcomeOf(() => verifyAsGrant(replaceAt(grant, index, char)))) === 'verified')
          verified++
      }
      // An ES256 signature is 64 bytes, 86 base64url characters: the last carries 2 bits of the
      // signature and 4 unused ones, so 2 ** 4 - 1 other characters decode to the same bytes.
      expect(verified).toBe(segment === 2 ? 2 ** 4 - 1 : 0)
    },
  )
})
