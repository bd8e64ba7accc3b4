import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import { STATUS_OF_CODE } from '../../server/http/refusalStatus.ts'
import { API, NO_SUCH_SHARE, startHostileServer } from './helpers/hostileServer.ts'
import type { DbState, HostileServer } from './helpers/hostileServer.ts'

// Property-based fuzzing of every endpoint's body (and of the ids and queries in their paths), on a
// server of the hostile corpus's world: arbitrary JSON, arbitrary strings, and mutations of a valid
// body. Whatever comes in: no 500, an answer in the API's error shape with a stable code, and no
// write. The valid bodies are chosen so that even they write nothing (a revoked license's key, a
// proof already used, a license id that does not exist), except on the three admin endpoints whose
// valid bodies must write; there a write is allowed exactly when the answer says it happened, and
// only the row it names.

let h: HostileServer
/** The database as it must stay; moved on only by the writes a test accounts for. */
let baseline: DbState

const STABLE_CODES = Object.keys(STATUS_OF_CODE).filter((code) => code !== 'internal')
// Modest on purpose: the whole file stays within a few seconds on two cores.
const RUNS = 150

beforeAll(async () => {
  h = await startHostileServer()
  const { grants, usedProof } = h.corpus.world
  // Use the proof once: from now on it is a replay, so a body built on it is valid and writes nothing.
  const response = await h.post(API.validate, {
    checks: [{ grant: grants['dev-a'], proof: usedProof }],
  })
  expect(response.status).toBe(200)
  baseline = await h.state()
})

afterAll(async () => {
  await h.close()
})

// ---------------------------------------------------------------------------------------------
// Bodies

type Json = unknown

/** Every path into a JSON value, the value itself included. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix]
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => paths(v, [...prefix, i])))
  if (value !== null && typeof value === 'object')
    return here.concat(...Object.entries(value).map(([k, v]) => paths(v, [...prefix, k])))
  return here
}

interface Mutation {
  pick: number
  kind: 'remove' | 'replace' | 'edit' | 'wrap' | 'extra' | 'null' | 'retype'
  value: Json
  index: number
  text: string
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('remove', 'replace', 'edit', 'wrap', 'extra', 'null', 'retype'),
  value: fc.jsonValue({ maxDepth: 2 }),
  index: fc.nat(),
  text: fc.string({ maxLength: 4, unit: 'binary' }),
})

/** One mutation of `base` at one of its paths. */
function mutate(base: Json, m: Mutation): Json {
  const root = { v: structuredClone(base) } as Record<string | number, Json>
  const all = paths(root.v, ['v'])
  const path = all[m.pick % all.length] ?? ['v']
  const key = path.at(-1) ?? 'v'
  let parent: Record<string | number, Json> = root
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>
  const current = parent[key]
  switch (m.kind) {
    case 'remove':
      if (Array.isArray(parent)) parent.splice(Number(key), 1)
      else Reflect.deleteProperty(parent, key)
      break
    case 'replace':
      parent[key] = m.value
      break
    case 'edit': {
      // A character inserted, deleted or replaced: how a token or key is damaged in transit.
      const text = typeof current === 'string' ? current : (JSON.stringify(current) ?? '')
      const at = m.index % (text.length + 1)
      const cut = m.index % 3
      parent[key] = `${text.slice(0, at)}${m.text}${text.slice(at + cut)}`
      break
    }
    case 'wrap':
      parent[key] = [current]
      break
    case 'extra':
      if (current !== null && typeof current === 'object' && !Array.isArray(current))
        (current as Record<string, Json>)[m.text || '_'] = m.value
      else parent[key] = { [m.text]: current }
      break
    case 'null':
      parent[key] = null
      break
    case 'retype':
      parent[key] = typeof current === 'number' ? String(current) : m.index
      break
  }
  return root.v
}

/** Text-level damage of a serialised body: a cut, a splice, a doubled tail. */
const textMutationArb = (text: string) =>
  fc
    .tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 6, unit: 'binary' }))
    .map(([a, b, insert]) => {
      const at = a % (text.length + 1)
      return [
        text.slice(0, at),
        `${text.slice(0, at)}${insert}${text.slice(at + (b % 5))}`,
        `${text}${text.slice(at)}`,
      ][b % 3] as string
    })

/** Arbitrary JSON, arbitrary strings, and mutations of `valid` (structural and textual). */
function bodies(valid: Json): fc.Arbitrary<string> {
  const text = JSON.stringify(valid)
  return fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc
      .array(mutationArb, { minLength: 1, maxLength: 3 })
      .map((ms) => JSON.stringify(ms.reduce<Json>(mutate, valid)) ?? ''),
    textMutationArb(text),
    fc.constant(text),
  )
}

const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ),
  },
)

// ---------------------------------------------------------------------------------------------
// Requests and checks

interface Answer {
  status: number
  json: Record<string, unknown> | undefined
}

async function send(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<Answer> {
  const init: RequestInit = { method, headers }
  if (body !== undefined) init.body = body
  const response = await h.app.request(path, init)
  const text = await response.text()
  let json: Record<string, unknown> | undefined
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    json = undefined
  }
  return { status: response.status, json }
}

/** No 500, and every refusal in the API's shape with one of its stable codes. */
function expectWellFormed(answer: Answer, what: string): void {
  expect(answer.status, what).toBeLessThan(500)
  if (answer.status >= 400) {
    const error = answer.json?.error as { code?: unknown; message?: unknown } | undefined
    expect(STABLE_CODES, what).toContain(error?.code)
    expect(typeof error?.message, what).toBe('string')
  }
}

async function expectNoWrite(what: string): Promise<void> {
  expect(await h.state(), `${what} wrote to the database`).toEqual(baseline)
}

const auth = () => ({ authorization: `Bearer ${h.adminToken}` })

interface BodyCase {
  name: string
  method: string
  path: () => string
  valid: () => Json
  admin?: boolean
  /** For a 200 answer (validate's): every check in it must have been refused. */
  refusedInside?: boolean
}

const world = () => h.corpus.world
const activeKey = () => world().licenses[0]?.key ?? ''
const revokedKey = () => world().licenses[1]?.key ?? ''
function corpusToken(id: string): string {
  const token = h.corpus.entries.find((entry) => entry.id === id)?.token
  if (typeof token !== 'string') throw new Error(`no corpus entry ${id} with a plain token`)
  return token
}
const usedCheck = () => ({ grant: world().grants['dev-a'], proof: world().usedProof })

const NO_WRITE_CASES: BodyCase[] = [
  {
    name: 'POST /api/v1/activate (a revoked license)',
    method: 'POST',
    path: () => API.activate,
    valid: () => ({
      licenseKey: revokedKey(),
      device: {
        id: 'dev-fuzz',
        name: 'Fuzz',
        platform: 'linux',
        publicKey: world().devices[0]?.publicKey,
      },
    }),
  },
  {
    name: 'POST /api/v1/validate (a used proof)',
    method: 'POST',
    path: () => API.validate,
    valid: () => ({ checks: [usedCheck(), usedCheck()], telemetry: { opens: 1 } }),
    refusedInside: true,
  },
  {
    name: 'POST /api/v1/deactivate (a used proof)',
    method: 'POST',
    path: () => API.deactivate,
    valid: usedCheck,
  },
  {
    name: 'POST /api/v1/offline/activate (a revoked license)',
    method: 'POST',
    path: () => API.offlineActivate,
    valid: () => ({ licenseKey: revokedKey(), requestCode: world().requestCode }),
  },
  {
    // A code the attacker signed for dev-c's key: no edit of it verifies without dev-c's key.
    name: 'POST /api/v1/offline/activate (the active license, a forged request code)',
    method: 'POST',
    path: () => API.offlineActivate,
    valid: () => ({
      licenseKey: activeKey(),
      requestCode: corpusToken('request-code/signed-by-another-key'),
    }),
  },
  {
    name: 'POST /api/v1/shares (a used proof)',
    method: 'POST',
    path: () => API.shares,
    valid: () => ({ ...usedCheck(), title: 'Fuzz', body: 'a note' }),
  },
  {
    name: 'DELETE /api/v1/shares/:id (a used proof)',
    method: 'DELETE',
    path: () => `${API.shares}/${NO_SUCH_SHARE}`,
    valid: usedCheck,
  },
  ...(['revoke', 'suspend', 'reinstate'] as const).map((action): BodyCase => ({
    name: `POST /admin/v1/licenses/:id/${action} (no such license)`,
    method: 'POST',
    path: () => `/admin/v1/licenses/lic_nosuchlicense/${action}`,
    valid: () => ({ reason: 'fuzz' }),
    admin: true,
  })),
  {
    name: 'POST /admin/v1/licenses/:id/renew (no such license)',
    method: 'POST',
    path: () => '/admin/v1/licenses/lic_nosuchlicense/renew',
    valid: () => ({ termEnd: h.now + 86_400_000 }),
    admin: true,
  },
  {
    name: 'PUT /admin/v1/manifest?dryRun=1',
    method: 'PUT',
    path: () => '/admin/v1/manifest?dryRun=1',
    valid: () => DEMO_MANIFEST,
    admin: true,
  },
]

describe('fuzzed bodies that must write nothing', () => {
  it.each(NO_WRITE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await fc.assert(
      fc.asyncProperty(bodies(c.valid()), contentTypes, async (body, type) => {
        const headers = { ...(type ? { 'content-type': type } : {}), ...(c.admin ? auth() : {}) }
        const answer = await send(c.method, c.path(), body, headers)
        const what = `${c.method} ${c.path()} ${JSON.stringify(body.slice(0, 200))}`
        expectWellFormed(answer, what)
        if (answer.status < 300 && !c.path().includes('dryRun')) {
          // Only validate may answer 200 here, and only with every check refused.
          expect(c.refusedInside, what).toBe(true)
          const results = (answer.json?.results ?? []) as { ok: boolean }[]
          expect(
            results.every((r) => !r.ok),
            what,
          ).toBe(true)
        }
        await expectNoWrite(what)
      }),
      { numRuns: RUNS },
    )
  })
})

/** The rows of `table` that are in `after` and not in `before`. */
function added(before: DbState, after: DbState, table: string): unknown[] {
  const seen = new Set((before[table] ?? []).map((row) => JSON.stringify(row)))
  return (after[table] ?? []).filter((row) => !seen.has(JSON.stringify(row)))
}

/**
 * After a write the answer announced: exactly one new row in `table` and its audit entry (one row
 * of `action` in admin_audit, written in the same transaction), nothing else changed.
 */
async function expectOneNewRow(table: string, action: string, what: string): Promise<void> {
  const after = await h.state()
  expect(added(baseline, after, table), what).toHaveLength(1)
  const audit = added(baseline, after, 'admin_audit') as { action: string }[]
  expect(
    audit.map((entry) => entry.action),
    what,
  ).toEqual([action])
  expect({ ...after, [table]: [], admin_audit: [] }, what).toEqual({
    ...baseline,
    [table]: [],
    admin_audit: [],
  })
  expect(after[table]?.length, what).toBe((baseline[table]?.length ?? 0) + 1)
  baseline = after
}

interface WritingCase {
  name: string
  method: string
  path: string
  valid: () => Json
  /** The answer that says a row was written, the table it went to, and its audit action. */
  writes: { status: number; table: string; audit: string }
  runs: number
}

const WRITING_CASES: WritingCase[] = [
  {
    name: 'POST /admin/v1/licenses',
    method: 'POST',
    path: '/admin/v1/licenses',
    valid: () => ({ product: 'notes', plan: 'pro', seats: 1, note: 'fuzz' }),
    writes: { status: 201, table: 'licenses', audit: 'license.create' },
    runs: RUNS,
  },
  {
    name: 'PUT /admin/v1/manifest',
    method: 'PUT',
    path: '/admin/v1/manifest',
    valid: () => DEMO_MANIFEST,
    writes: { status: 201, table: 'manifests', audit: 'manifest.publish' },
    runs: RUNS,
  },
  {
    // The body is not read: every call rotates. Few runs, each a new key the ring keeps.
    name: 'POST /admin/v1/keys/rotate',
    method: 'POST',
    path: '/admin/v1/keys/rotate',
    valid: () => ({}),
    writes: { status: 201, table: 'signing_keys', audit: 'keys.rotate' },
    runs: 15,
  },
]

describe('fuzzed bodies of admin endpoints that write: a write only when the answer says so', () => {
  it.each(WRITING_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await fc.assert(
      fc.asyncProperty(bodies(c.valid()), contentTypes, async (body, type) => {
        const headers = { ...(type ? { 'content-type': type } : {}), ...auth() }
        const answer = await send(c.method, c.path, body, headers)
        const what = `${c.method} ${c.path} ${JSON.stringify(body.slice(0, 200))}`
        expectWellFormed(answer, what)
        if (answer.status === c.writes.status)
          await expectOneNewRow(c.writes.table, c.writes.audit, what)
        else await expectNoWrite(what)
      }),
      { numRuns: c.runs },
    )
  })
})

describe('fuzzed ids and queries in paths', () => {
  const segment = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.constantFrom(
      '..',
      '%2e%2e',
      'lic_fixture_revoked%00',
      "lic_' OR '1'='1",
      '__proto__',
      'shr_',
    ),
  )
  // Not the two devices of the world: removing one of them is a valid request, and writes.
  const deviceSegment = segment.filter((s) => !['dev-a', 'dev-b'].includes(s))
  const cases: [string, fc.Arbitrary<[string, string]>, boolean][] = [
    [
      'GET /admin/v1/licenses/:id',
      segment.map((s) => ['GET', `/admin/v1/licenses/${encodeURIComponent(s)}`]),
      true,
    ],
    [
      'GET /admin/v1/licenses/:id/devices',
      segment.map((s) => ['GET', `/admin/v1/licenses/${encodeURIComponent(s)}/devices`]),
      true,
    ],
    [
      'DELETE /admin/v1/licenses/:id/devices/:deviceId',
      deviceSegment.map((s) => [
        'DELETE',
        `/admin/v1/licenses/lic_fixture_notes/devices/${encodeURIComponent(s)}`,
      ]),
      true,
    ],
    [
      'GET /admin/v1/licenses?limit&cursor',
      fc
        .tuple(
          fc.oneof(fc.integer({ min: -5, max: 600 }).map(String), segment),
          fc.oneof(fc.stringMatching(/^lic_[a-z0-9]{1,10}$/), segment),
        )
        .map(([limit, cursor]) => [
          'GET',
          `/admin/v1/licenses?limit=${encodeURIComponent(limit)}&cursor=${encodeURIComponent(cursor)}`,
        ]),
      true,
    ],
    [
      'GET /api/v1/shares/:id',
      segment.map((s) => ['GET', `${API.shares}/${encodeURIComponent(s)}`]),
      false,
    ],
    [
      'GET /api/v1/keys and /healthz',
      fc.constantFrom<[string, string]>(['GET', '/api/v1/keys'], ['GET', '/healthz']),
      false,
    ],
  ]

  it.each(cases)('%s', async (_name, requests, admin) => {
    await fc.assert(
      fc.asyncProperty(requests, async ([method, path]) => {
        const answer = await send(method, path, undefined, admin ? auth() : {})
        expectWellFormed(answer, `${method} ${path}`)
        await expectNoWrite(`${method} ${path}`)
      }),
      { numRuns: 100 },
    )
  })
})

describe('fuzzed admin credentials', () => {
  it('are refused as unauthorized on every admin endpoint, and write nothing', async () => {
    const endpoints: [string, string][] = [
      ['POST', '/admin/v1/licenses'],
      ['POST', '/admin/v1/keys/rotate'],
      ['PUT', '/admin/v1/manifest'],
      ['POST', '/admin/v1/licenses/lic_fixture_notes/revoke'],
      ['DELETE', '/admin/v1/licenses/lic_fixture_notes/devices/dev-a'],
    ]
    const header = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
      fc.nat({ max: 40 }).map((n) => `Bearer ${h.adminToken.slice(0, n)}`),
      fc.constant(`Basic ${Buffer.from(`admin:${h.adminToken}`).toString('base64')}`),
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), header, async ([method, path], value) => {
        fc.pre(value.trim() !== `Bearer ${h.adminToken}`)
        const answer = await send(method, path, '{"product":"notes","plan":"pro","seats":1}', {
          'content-type': 'application/json',
          authorization: value,
        })
        expect(answer.status).toBe(401)
        expectWellFormed(answer, `${method} ${path}`)
        await expectNoWrite(`${method} ${path} with ${JSON.stringify(value)}`)
      }),
      { numRuns: RUNS },
    )
  })
})
