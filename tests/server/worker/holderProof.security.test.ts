import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { peekPayload } from '../../../src/core/index.ts'
import { startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

// Issue #11, item 8c: `POST /_license/proof` gives a script of the page a grant and proof for the
// app's own online features. It names the request the proof is for, and makes none for the
// license server's device endpoints: a page must not obtain what frees the seat.

let h: WorkerHarness

beforeEach(async () => {
  h = await startWorkerHarness()
  await h.activated()
})

afterEach(async () => {
  await h.close()
})

async function askForProof(
  body: unknown,
): Promise<{ status: number; body: { proof?: string; error?: { code: string } } }> {
  return (await h.post('/_license/proof', body)) as never
}

describe('a proof asked for by the page', () => {
  it.each([
    '/api/v1/deactivate',
    '/api/v1/validate',
    '/api/v1/activate',
    '/api/v1/offline/activate',
    '/prefix/api/v1/deactivate',
  ])('Should not be made for %s - 403 forbidden_request', async (htu) => {
    const answer = await askForProof({ htm: 'POST', htu })
    expect(answer.status).toBe(403)
    expect(answer.body.error?.code).toBe('forbidden_request')
  })

  it.each<[string, unknown]>([
    ['no endpoint', {}],
    ['an origin in htu', { htm: 'POST', htu: 'https://evil.example/x' }],
    ['a query in htu', { htm: 'POST', htu: '/api/v1/shares?x=1' }],
    ['an unknown method', { htm: 'BREW', htu: '/api/v1/shares' }],
  ])('Should not be made for %s - 400 bad_request', async (_, body) => {
    const answer = await askForProof(body)
    expect(answer.status).toBe(400)
    expect(answer.body.error?.code).toBe('bad_request')
  })

  it('is made for the app’s own endpoint, and names it', async () => {
    const answer = await askForProof({ htm: 'DELETE', htu: '/api/v1/shares/shr_x' })
    expect(answer.status).toBe(200)
    expect(peekPayload(answer.body.proof ?? '')).toMatchObject({
      htm: 'DELETE',
      htu: '/api/v1/shares/shr_x',
    })
  })
})

describe('the proofs the worker makes for itself', () => {
  it('name validate when it checks in, and deactivate when it frees the seat', async () => {
    h.advance(13 * 60 * 60 * 1000)
    await h.worker.recheck()
    await h.worker.deactivate()
    const sent = h.exchanges.filter((exchange) => /\/(validate|deactivate)$/.test(exchange.path))
    const proofs = sent.map((exchange) => {
      const body = exchange.request as { checks?: { proof: string }[]; proof?: string }
      const proof = body.checks?.[0]?.proof ?? body.proof ?? ''
      return [exchange.path, peekPayload(proof).htu]
    })
    expect(proofs).toEqual([
      ['/api/v1/validate', '/api/v1/validate'],
      ['/api/v1/deactivate', '/api/v1/deactivate'],
    ])
  })
})
