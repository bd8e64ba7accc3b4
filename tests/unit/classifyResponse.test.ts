import { describe, expect, it } from 'vitest'
import { classifyResponse } from '../../src/core/index.ts'

const JSON_TYPE = 'application/json'
const HTML_TYPE = 'text/html; charset=utf-8'
const PORTAL = '<!doctype html><title>Harbour View Hotel Wi-Fi</title><p>Please sign in</p>'
const GRANT = JSON.stringify({ grant: 'eyJ.eyJ.sig', certs: ['eyJ.eyJ.sig'], serverTime: 1 })
const error = (code: unknown, message?: string) => JSON.stringify({ error: { code, message } })

type Answer = [name: string, status: number, contentType: string | null, body: string]

describe('an answer that is our JSON', () => {
  it.each<Answer>([
    ['200 with a JSON object', 200, JSON_TYPE, GRANT],
    ['200 with a charset after the media type', 200, 'application/json; charset=utf-8', GRANT],
    ['200 with the media type in capitals', 200, 'Application/JSON', GRANT],
    ['201 with a JSON object', 201, JSON_TYPE, '{}'],
  ])('%s goes on to the signature checks, parsed', (_, status, contentType, body) => {
    expect(classifyResponse(status, contentType, body)).toEqual({
      kind: 'json',
      body: JSON.parse(body) as unknown,
    })
  })

  it('is only sorted here: wrong-shape or forged content still passes, for the caller to verify', () => {
    const forged = { results: [{ ok: true, grant: 'not.a.grant' }], certs: [] }
    expect(classifyResponse(200, JSON_TYPE, JSON.stringify(forged))).toEqual({
      kind: 'json',
      body: forged,
    })
  })
})

describe('an answer from something else in the server’s place', () => {
  it.each<Answer>([
    ['200 with a captive portal’s login page', 200, HTML_TYPE, PORTAL],
    ['200 with JSON labelled text/plain', 200, 'text/plain', GRANT],
    ['200 with JSON and no content type', 200, null, GRANT],
    ['200 with JSON labelled application/problem+json', 200, 'application/problem+json', GRANT],
    ['200 with JSON labelled application/jsonp', 200, 'application/jsonp', GRANT],
    ['200 with an empty body', 200, JSON_TYPE, ''],
    ['200 with a JSON array', 200, JSON_TYPE, `[${GRANT}]`],
    ['200 with JSON null', 200, JSON_TYPE, 'null'],
    ['200 with a JSON string', 200, JSON_TYPE, '"ok"'],
    ['200 with JSON cut off mid-string', 200, JSON_TYPE, '{"grant":"eyJhbGciOiJFUzI1NiJ9.eyJzd'],
    ['204 with no body', 204, null, ''],
    ['302 to a login page', 302, HTML_TYPE, PORTAL],
    ['302 with an empty body', 302, null, ''],
    ['302 even with a JSON object', 302, JSON_TYPE, GRANT],
    ['404 with a proxy’s HTML page', 404, HTML_TYPE, '<h1>Not Found</h1>'],
    ['403 from a filtering proxy, as HTML', 403, HTML_TYPE, '<h1>Access denied</h1>'],
    ['401 with JSON that is not our error shape', 401, JSON_TYPE, '{"message":"Unauthorized"}'],
    ['400 whose error code is not a string', 400, JSON_TYPE, error(42, 'bad')],
    ['400 with our error JSON but labelled text/html', 400, HTML_TYPE, error('bad_request')],
  ])('%s is interference', (_, status, contentType, body) => {
    expect(classifyResponse(status, contentType, body)).toEqual({
      kind: 'unreachable',
      connectivity: 'interference',
    })
  })
})

describe('server trouble', () => {
  it.each<Answer>([
    ['429 with our rate_limited JSON', 429, JSON_TYPE, error('rate_limited', 'try again later')],
    ['429 with no body', 429, null, ''],
    ['500 with our internal error JSON', 500, JSON_TYPE, error('internal', 'internal error')],
    ['502 from a load balancer, as HTML', 502, HTML_TYPE, '<h1>502 Bad Gateway</h1>'],
    ['503 with a plain-text body', 503, 'text/plain', 'busy'],
    ['503 with an empty body', 503, null, ''],
    ['504 with cut-off JSON', 504, JSON_TYPE, '{"error":'],
    ['599, the top of the range, with a JSON object', 599, JSON_TYPE, '{}'],
  ])('%s is server-error, whatever the body says', (_, status, contentType, body) => {
    expect(classifyResponse(status, contentType, body)).toEqual({
      kind: 'unreachable',
      connectivity: 'server-error',
    })
  })
})

describe('a refusal by the server itself', () => {
  it.each<[name: string, status: number, body: string, code: string, message: string]>([
    [
      '401 grant_invalid',
      401,
      error('grant_invalid', 'this device was activated again with another key'),
      'grant_invalid',
      'this device was activated again with another key',
    ],
    [
      '403 license_revoked',
      403,
      error('license_revoked', 'this license has been revoked'),
      'license_revoked',
      'this license has been revoked',
    ],
    [
      '409 with a code but no message: the code stands in for it',
      409,
      error('seat_limit_reached'),
      'seat_limit_reached',
      'seat_limit_reached',
    ],
  ])('%s is an api-error, and the device is online', (_, status, body, code, message) => {
    expect(classifyResponse(status, JSON_TYPE, body)).toEqual({
      kind: 'api-error',
      connectivity: 'online',
      code,
      message,
    })
  })
})
