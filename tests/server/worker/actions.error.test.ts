import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { jsonAnswer, startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

// The worker says no words of its own (#12, item 1): its failures are a code and an HTTP status,
// and the page words them. Only the license server's own message is passed on, as `detail`.

let h: WorkerHarness

beforeEach(async () => {
  h = await startWorkerHarness()
})

afterEach(async () => {
  await h.close()
})

describe('an activation that fails on the worker’s side', () => {
  it('offline, answers 503 offline with no words', async () => {
    h.intercept(async () => {
      throw new TypeError('Failed to fetch')
    })
    expect(await h.post('/_license/activate', { licenseKey: 'K' })).toEqual({
      status: 503,
      body: { error: { code: 'offline' } },
    })
  })

  it('with a busy server, answers 503 server_error and when to try again', async () => {
    h.intercept(async () =>
      jsonAnswer({ error: { code: 'internal', message: 'busy' } }, 503, { 'retry-after': '120' }),
    )
    expect(await h.post('/_license/activate', { licenseKey: 'K' })).toEqual({
      status: 503,
      body: { error: { code: 'server_error', retryAt: h.clocks.device + 120_000 } },
    })
  })
})

describe('an activation the license server refuses', () => {
  it('passes the server’s code and its own words on, with its status', async () => {
    const answer = await h.post('/_license/activate', { licenseKey: 'NOT-A-KEY' })
    const server = h.exchanges.at(-1)
    const refusal = JSON.parse(server?.response ?? '{}') as { error: { message: string } }
    expect(answer).toEqual({
      status: server?.status,
      body: { error: { code: 'license_key_invalid', detail: refusal.error.message } },
    })
  })
})

describe('a license file the worker cannot read', () => {
  it('answers 400 bad_request with no words', async () => {
    expect(await h.post('/_license/import', { licenseFile: 'not json' })).toEqual({
      status: 400,
      body: { error: { code: 'bad_request' } },
    })
  })
})

describe('a deactivation on a device with no license', () => {
  it('answers 409 not_activated with no words', async () => {
    expect(await h.post('/_license/deactivate', {})).toEqual({
      status: 409,
      body: { error: { code: 'not_activated' } },
    })
  })
})
