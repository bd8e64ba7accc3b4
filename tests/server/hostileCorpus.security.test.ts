import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peekPayload } from '../../src/core/index.ts'
import { loadCorpus, materialize, tokenOf } from '../fixtures/hostile/corpus.ts'
import type { CorpusEntry, ServerExpectation } from '../fixtures/hostile/corpus.ts'
import { API, NO_SUCH_SHARE, startHostileServer } from './helpers/hostileServer.ts'
import type { HostileServer } from './helpers/hostileServer.ts'

// The hostile corpus (tests/fixtures/hostile) against every endpoint that takes each entry, on a
// server of the corpus's own world: each is refused with the stable code the corpus states, and
// the database is the same after as before, row for row.

let h: HostileServer

interface Answer {
  status: number
  codes: string[]
}

async function answerOf(response: Response): Promise<Answer> {
  const body = (await response.json()) as {
    error?: { code: string }
    results?: { ok: boolean; error?: { code: string } }[]
  }
  const codes = body.results
    ? body.results.map((result) => (result.ok ? 'ok' : (result.error?.code ?? '?')))
    : [body.error?.code ?? '?']
  return { status: response.status, codes }
}

async function expectOk(path: string, body: unknown): Promise<void> {
  const answer = await answerOf(await h.post(path, body))
  expect(answer).toEqual({ status: 200, codes: ['ok'] })
}

beforeAll(async () => {
  h = await startHostileServer()
  const { grants, usedProof } = h.corpus.world
  // The world is live: both devices' grants pass with a proof. This uses `usedProof` once, so the
  // corpus's replays of it are replays.
  await expectOk(API.validate, { checks: [{ grant: grants['dev-a'], proof: usedProof }] })
  const jtiB = String(peekPayload(grants['dev-b']).jti)
  await expectOk(API.validate, {
    checks: [{ grant: grants['dev-b'], proof: await h.proof('dev-b', jtiB) }],
  })
})

afterAll(async () => {
  await h.close()
})

/** What an endpoint must answer: `validate` reports a check's refusal inside a 200. */
function expected(path: string, expectation: ServerExpectation): Answer | 'per-check' {
  if (path === API.validate && (expectation.status === 401 || expectation.status === 404))
    return 'per-check'
  return { status: expectation.status, codes: [expectation.code] }
}

type Request = [method: string, path: string, body: unknown]

/** The requests that carry an entry, one per endpoint that takes it. */
async function requestsFor(entry: CorpusEntry): Promise<Request[]> {
  const { world } = h.corpus
  const license = world.licenses[0]
  switch (entry.target) {
    case 'grant': {
      const token = tokenOf(entry)
      let jti = 'none'
      try {
        jti = String(peekPayload(token).jti)
      } catch {
        // Not readable: any proof will do, the grant is refused first.
      }
      const check = async () => ({
        grant: token,
        proof: await h.proof(entry.presentedBy ?? 'dev-a', jti),
      })
      return checkRequests(check)
    }
    case 'proof': {
      const check = { grant: world.grants['dev-a'], proof: tokenOf(entry) }
      return checkRequests(() => Promise.resolve(check))
    }
    case 'requestCode':
      return [
        ['POST', API.offlineActivate, { licenseKey: license?.key, requestCode: tokenOf(entry) }],
      ]
    case 'publicKey':
      return [
        [
          'POST',
          API.activate,
          {
            licenseKey: license?.key,
            device: { id: 'dev-new', name: 'Hostile', platform: 'linux', publicKey: entry.jwk },
          },
        ],
      ]
    case 'body':
      if (!entry.endpoint || entry.body === undefined) throw new Error(`${entry.id}: no body`)
      return [['POST', entry.endpoint, materialize(entry.body)]]
    default:
      return []
  }
}

/** Every endpoint that takes a grant and a proof: the re-check, the release, and the shares. */
async function checkRequests(
  check: () => Promise<{ grant: string; proof: string }>,
): Promise<Request[]> {
  return [
    ['POST', API.validate, { checks: [await check()] }],
    ['POST', API.deactivate, await check()],
    ['POST', API.shares, { ...(await check()), title: 'Hostile', body: 'note' }],
    ['DELETE', `${API.shares}/${NO_SUCH_SHARE}`, await check()],
  ]
}

// Read at collection time from the corpus file; the server reads its own copy when it starts.
const forServer = loadCorpus().entries.filter((entry) => entry.expect.server !== null)
const families = [...new Set(forServer.map((entry) => entry.family))]

describe(`${forServer.length} hostile inputs, refused by every endpoint that takes them, with nothing written`, () => {
  describe.each(families)('%s', (family) => {
    const entries = forServer.filter((entry) => entry.family === family)
    it.each(entries.map((entry) => [entry.id, entry.attack, entry] as const))(
      '%s: %s',
      async (_id, _attack, entry) => {
        const expectation = entry.expect.server
        if (!expectation) throw new Error('filtered out above')
        for (const [method, path, body] of await requestsFor(entry)) {
          const before = await h.state()
          const answer = await answerOf(await h.send(method, path, body))
          const want = expected(path, expectation)
          if (want === 'per-check') {
            expect(answer.status, `${method} ${path}`).toBe(200)
            expect(new Set(answer.codes), `${method} ${path}`).toEqual(new Set([expectation.code]))
          } else {
            expect(answer, `${method} ${path}`).toEqual(want)
          }
          expect(await h.state(), `${method} ${path} wrote to the database`).toEqual(before)
        }
      },
    )
  })
})

describe('after the whole corpus', () => {
  it('still serves both devices of the world, whose seats are untouched', async () => {
    const { grants } = h.corpus.world
    for (const dev of ['dev-a', 'dev-b'] as const) {
      const jti = String(peekPayload(grants[dev]).jti)
      await expectOk(API.validate, {
        checks: [{ grant: grants[dev], proof: await h.proof(dev, jti) }],
      })
    }
    const devices = await h.base.data.store.listDevices(h.corpus.world.licenses[0]?.id ?? '')
    expect(devices.map((d) => [d.device_id, d.state])).toEqual([
      ['dev-a', 'active'],
      ['dev-b', 'active'],
    ])
  })
})
