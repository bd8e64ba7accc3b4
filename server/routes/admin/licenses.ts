import type { Context, Hono } from 'hono'
import * as v from 'valibot'
import type { LicenseView } from '../../../src/core/index.ts'
import { adminActor } from '../../http/adminActor.ts'
import { csvRow } from '../../http/csv.ts'
import { readBody } from '../../http/readBody.ts'
import { duration, epochMs, identifier, shortText } from '../../http/schemas.ts'
import { Refusal } from '../../services/Refusal.ts'
import type { Services } from '../../services.ts'
import { FloatingBody } from './leases.ts'

const CreateLicenseBody = v.object({
  product: identifier,
  plan: identifier,
  seats: v.pipe(
    v.number('must be a number'),
    v.safeInteger('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(1_000_000, 'must be at most 1000000'),
  ),
  termEnd: v.optional(v.nullable(epochMs)),
  recheckEvery: v.optional(v.nullable(duration)),
  grace: v.optional(v.nullable(duration)),
  note: v.optional(v.nullable(shortText(1000))),
  floating: v.optional(v.nullable(FloatingBody)),
})
const ReasonBody = v.optional(v.object({ reason: v.optional(shortText(500)) }), {})
const RenewBody = v.object({ termEnd: epochMs })

const MAX_PAGE = 500

/** The license routes of the admin API. */
export function adminLicenseRoutes(
  admin: Hono,
  s: Pick<Services, 'admin' | 'trustedProxies'>,
): void {
  const actor = (c: Context) => adminActor(c, s.trustedProxies)

  admin.post('/licenses', async (c) => {
    const body = await readBody(c, CreateLicenseBody)
    return c.json(await s.admin.createLicense(body, actor(c)), 201)
  })

  // Newest first; `q` searches on the server, so paging walks the matches, not what a page loaded.
  admin.get('/licenses', async (c) => {
    const limit = readLimit(c.req.query('limit'))
    const cursor = c.req.query('cursor')
    if (cursor !== undefined && !/^lic_[a-z0-9]{1,64}$/.test(cursor))
      throw new Refusal('bad_request', 'cursor: not a cursor this API gave')
    return c.json(await s.admin.listLicenses(cursor, limit, searchWords(c.req.query('q'))))
  })

  // Every license (or every match of `q`), newest first, as a spreadsheet opens it. Streamed a page
  // at a time, so a million licenses never sit in memory at once; rows created while it runs may
  // or may not be in it, as with any paging.
  admin.get('/licenses.csv', (c) => {
    const words = searchWords(c.req.query('q'))
    let cursor: string | undefined
    let started = false
    const encoder = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (!started) {
          started = true
          // A byte-order mark, so that Excel reads the notes as UTF-8.
          controller.enqueue(encoder.encode(`\ufeff${csvRow(CSV_COLUMNS)}`))
        }
        const page = await s.admin.listLicenses(cursor, CSV_PAGE, words)
        controller.enqueue(encoder.encode(page.items.map(licenseCsvRow).join('')))
        if (page.nextCursor === null) controller.close()
        else cursor = page.nextCursor
      },
    })
    const day = new Date().toISOString().slice(0, 10)
    return c.body(body, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="licenses-${day}.csv"`,
      // Customer data: no cache, shared or private, keeps a copy.
      'cache-control': 'no-store',
    })
  })

  admin.get('/licenses/:id', async (c) => c.json(await s.admin.showLicense(c.req.param('id'))))

  for (const action of ['revoke', 'suspend', 'reinstate'] as const) {
    admin.post(`/licenses/:id/${action}`, async (c) => {
      const body =
        c.req.header('content-length') === '0' || !c.req.header('content-type')
          ? {}
          : await readBody(c, ReasonBody)
      return c.json(await s.admin.setStatus(c.req.param('id'), action, body.reason, actor(c)))
    })
  }

  admin.post('/licenses/:id/renew', async (c) => {
    const body = await readBody(c, RenewBody)
    return c.json(await s.admin.renew(c.req.param('id'), body.termEnd, actor(c)))
  })

  admin.get('/licenses/:id/devices', async (c) =>
    c.json({ items: await s.admin.listDevices(c.req.param('id')) }),
  )

  admin.delete('/licenses/:id/devices/:deviceId', async (c) =>
    c.json(await s.admin.removeDevice(c.req.param('id'), c.req.param('deviceId'), actor(c))),
  )
}

const CSV_PAGE = 500
const CSV_COLUMNS = [
  'id',
  'product',
  'plan',
  'seats',
  'status',
  'standing',
  'status_reason',
  'term_end',
  'recheck_every',
  'grace',
  'note',
  'created_at',
  'updated_at',
]
const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString())

function licenseCsvRow(license: LicenseView): string {
  return csvRow([
    license.id,
    license.product,
    license.plan,
    license.seats,
    license.status,
    license.standing,
    license.statusReason,
    iso(license.termEnd),
    license.recheckEvery,
    license.grace,
    license.note,
    iso(license.createdAt),
    iso(license.updatedAt),
  ])
}

/** `limit`: 1 to MAX_PAGE, 50 when absent. */
export function readLimit(text: string | undefined): number {
  const limit = Number(text ?? '50')
  if (!/^\d+$/.test(text ?? '50') || limit < 1 || limit > MAX_PAGE)
    throw new Refusal('bad_request', `limit: must be a whole number from 1 to ${MAX_PAGE}`)
  return limit
}

const MAX_SEARCH_CHARS = 200
const MAX_SEARCH_WORDS = 8

/** The words of a search (`q`), lower case; a search no database could hold is refused. */
export function searchWords(q: string | undefined): string[] {
  if (q === undefined) return []
  if (q.length > MAX_SEARCH_CHARS)
    throw new Refusal('bad_request', `q: at most ${MAX_SEARCH_CHARS} characters`)
  // PostgreSQL text cannot hold U+0000; no license field holds other control characters.
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(q))
    throw new Refusal('bad_request', 'q: must not contain control characters')
  const words = q.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length > MAX_SEARCH_WORDS)
    throw new Refusal('bad_request', `q: at most ${MAX_SEARCH_WORDS} words`)
  return words
}
