import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { describe, expect, it } from 'vitest'
import { handleLicenseRequest } from '../../../sw/license/licenseRoutes.ts'
import { openLeewayDb } from '../../../sw/store/LeewayDb.ts'

// A `/_license/*` handler that throws answers 503 store_unavailable when IndexedDB failed (as idb
// passes its errors on), and 500 internal for anything else.

async function answerWhenThrowing(error: () => Promise<unknown>) {
  const routes = new Map([
    [
      'GET /_license/state',
      async (): Promise<Response> => {
        await error()
        throw new Error('the route should have thrown')
      },
    ],
  ])
  const response = await handleLicenseRequest(
    routes,
    new Request('https://app.example/_license/state'),
    () => undefined,
  )
  const body = (await response.json()) as { error: { code: string } }
  return { status: response.status, code: body.error.code }
}

const STORAGE = { status: 503, code: 'store_unavailable' }
const INTERNAL = { status: 500, code: 'internal' }

describe('a license endpoint that throws', () => {
  it.each([
    ['QuotaExceededError', STORAGE],
    ['UnknownError', STORAGE],
    ['VersionError', STORAGE],
    ['InvalidStateError', STORAGE],
    ['AbortError', STORAGE],
    ['DataError', INTERNAL],
  ])('answers a DOMException %s with %o', async (name, expected) => {
    expect(
      await answerWhenThrowing(() => Promise.reject(new DOMException('refused', name))),
    ).toEqual(expected)
  })

  it('answers store_unavailable when the database connection is already closed', async () => {
    const db = await openDB('leeway-routes-closed', 1, {
      upgrade: (database) => database.createObjectStore('meta'),
    })
    db.close()
    expect(await answerWhenThrowing(async () => db.get('meta', 'lastSeen'))).toEqual(STORAGE)
  })

  it('answers store_unavailable when a transaction of the store is aborted', async () => {
    const db = openLeewayDb('leeway-routes-aborted')
    const answer = await answerWhenThrowing(() =>
      db.transaction(['meta'], 'readwrite', async (tx) => {
        await tx.store.put({ name: 'lastSeen', value: 1 })
        tx.abort()
      }),
    )
    expect(answer).toEqual(STORAGE)
    expect(await db.transaction(['meta'], 'readonly', (tx) => tx.store.get('lastSeen'))).toBe(
      undefined,
    )
    db.close()
  })

  it('answers store_unavailable when there is no IndexedDB at all', async () => {
    const missing = new ReferenceError('indexedDB is not defined')
    expect(await answerWhenThrowing(() => Promise.reject(missing))).toEqual(STORAGE)
  })

  it('answers internal for a bug of ours', async () => {
    expect(await answerWhenThrowing(() => Promise.reject(new TypeError('x is undefined')))).toEqual(
      INTERNAL,
    )
  })
})
