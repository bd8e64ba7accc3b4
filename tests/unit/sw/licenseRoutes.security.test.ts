import { describe, expect, it } from 'vitest'
import { handleLicenseRequest } from '../../../sw/license/licenseRoutes.ts'

// Issue #11, item 2: the shapes of request another site can make a browser send to the worker's
// endpoints (a form posting itself: urlencoded, multipart or text/plain, no header of its own) are
// refused before any handler runs. Navigations themselves are refused too; Node cannot build one,
// so the browser suite shows that (tests/e2e/csrf.spec.ts).

async function answerTo(
  init: RequestInit,
): Promise<{ status: number; code: string; ran: boolean }> {
  let ran = false
  const routes = new Map([
    [
      'POST /_license/deactivate',
      async (): Promise<Response> => {
        ran = true
        return new Response('{"status":"unlicensed"}', { status: 200 })
      },
    ],
  ])
  const response = await handleLicenseRequest(
    routes,
    new Request('https://app.example/_license/deactivate', { method: 'POST', ...init }),
    () => undefined,
  )
  const body = (await response.json()) as { error?: { code: string } }
  return { status: response.status, code: body.error?.code ?? 'ok', ran }
}

const REFUSED = { status: 403, code: 'forbidden_request', ran: false }

describe('a POST to a license endpoint', () => {
  it.each<[string, RequestInit]>([
    [
      'an urlencoded form',
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' },
    ],
    [
      'a text/plain form that spells JSON',
      { headers: { 'content-type': 'text/plain' }, body: '{"optIn":true}' },
    ],
    ['a multipart form', { body: new FormData() }],
    ['JSON without the header', { headers: { 'content-type': 'application/json' }, body: '{}' }],
    [
      'the header without JSON',
      { headers: { 'content-type': 'text/plain', 'x-leeway-request': '1' }, body: '{}' },
    ],
    [
      'the header with another value',
      { headers: { 'content-type': 'application/json', 'x-leeway-request': 'yes' }, body: '{}' },
    ],
  ])('Should not run when it is %s - 403 forbidden_request, nothing done', async (_shape, init) => {
    expect(await answerTo(init)).toEqual(REFUSED)
  })

  it('runs when it is JSON with X-Leeway-Request: 1, as the app sends it', async () => {
    const init = {
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-leeway-request': '1' },
      body: '{}',
    }
    expect(await answerTo(init)).toEqual({ status: 200, code: 'ok', ran: true })
  })
})
