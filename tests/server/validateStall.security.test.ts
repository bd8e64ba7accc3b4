import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import { MAX_VALIDATE_BODY_BYTES } from '../../server/routes/public/validate.ts'
import { claimsOf, grantOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { ApiErrorBody, TestServer, ValidateBody } from './helpers/testServer.ts'

// Issue #11, item 1: a validate body of half a million tiny items used to hold the event loop for
// 1.6–2.3 s before its 400 (every item checked, an issue collected for each, before the 100-check
// limit applied), so a handful of them starved every licensed device. Through a real HTTP server on
// loopback, as an attacker would send them.

let server: TestServer
let running: RunningServer

beforeAll(async () => {
  server = await startTestServer()
  running = await listen(server.data, { port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await running.close()
  await server.close()
})

/** `{"checks":[item,item,…]}` (or a bare array) of about `bytes` bytes. */
function hostileBody(item: string, bytes: number, wrapped = true): string {
  const count = Math.floor(bytes / (item.length + 1))
  const items = new Array<string>(count).fill(item).join(',')
  return wrapped ? `{"checks":[${items}]}` : `[${items}]`
}

function post(body: string): Promise<Response> {
  return fetch(`${running.url}/api/v1/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
}

const MIB = 1024 * 1024
const justUnderLimit = MAX_VALIDATE_BODY_BYTES - 64

const hostile = [
  {
    name: 'a mebibyte of numbers as checks',
    body: hostileBody('1', MIB),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'a mebibyte of empty objects as checks',
    body: hostileBody('{}', MIB),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'numbers as checks, just under the size limit',
    body: hostileBody('1', justUnderLimit),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'empty objects as checks, just under the size limit',
    body: hostileBody('{}', justUnderLimit),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'a bare array of empty objects, just under the size limit',
    body: hostileBody('{}', justUnderLimit, false),
    status: 400,
    code: 'bad_request',
  },
]

describe('oversized validate batches', () => {
  it.each(hostile)(
    'Should refuse $name - with the stable code, before any check is verified',
    async ({ body, status, code }) => {
      const response = await post(body)
      expect(response.status).toBe(status)
      expect((await readJson<ApiErrorBody>(response)).error.code).toBe(code)
    },
  )

  it('Should not starve a licensed device - its validate succeeds while six hostile bodies arrive, and the event loop never stalls', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const grant = (await server.activateOk(license.key, device)).grant
    const seq = claimsOf(grant).seq
    const check = await server.check(grant, device)

    // The server runs in this process: its event loop is this one.
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    const attacks = Array.from({ length: 6 }, (_, i) =>
      post(hostileBody(i % 2 ? '{}' : '1', justUnderLimit)),
    )
    const legitimate = post(JSON.stringify({ checks: [check] }))
    const [answer, ...refused] = await Promise.all([legitimate, ...attacks])
    delay.disable()

    expect(refused.map((response) => response.status)).toEqual([400, 400, 400, 400, 400, 400])
    expect(answer?.status).toBe(200)
    const body = await readJson<ValidateBody>(answer as Response)
    expect(claimsOf(grantOf(body.results[0])).seq).toBe(seq + 1)
    // Before the fix one such body alone held the loop for over 1.5 s; the margin is wide on purpose.
    expect(delay.max / 1e6).toBeLessThan(200)
  })
})
