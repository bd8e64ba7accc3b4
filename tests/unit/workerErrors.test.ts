import { describe, expect, it } from 'vitest'
import { WORKER_ERROR_CODES } from '../../src/core/index.ts'
import { activationError } from '../../src/app/lib/activationErrors.ts'
import { lastCheckErrorText, workerErrorText } from '../../src/app/lib/workerErrors.ts'

// The worker answers with codes only (src/core/swProtocol.ts); every one of them must reach the
// user as words, never as the code itself or a catch-all line.

const FALLBACK = 'no words for this code'

describe('every error code the worker can answer with', () => {
  it.each(WORKER_ERROR_CODES)('%s has words of its own on the page', (code) => {
    const text = workerErrorText({ code }, FALLBACK)
    expect(text).not.toBe(FALLBACK)
    // A sentence, with no snake_case code in it.
    expect(text).toMatch(/^[A-Z].*\.$/)
    expect(text).not.toMatch(/[a-z]_[a-z]/)
  })

  it.each(WORKER_ERROR_CODES)('%s has words in the activation form too', (code) => {
    expect(activationError({ code }).message).not.toBe('Activation did not work.')
  })

  it('never gives two codes the same words', () => {
    const texts = WORKER_ERROR_CODES.map((code) => workerErrorText({ code }))
    expect(new Set(texts).size).toBe(WORKER_ERROR_CODES.length)
  })
})

describe('a refusal of the license server, passed on by the worker', () => {
  it('shows the server’s own words rather than the page’s for a code both use', () => {
    expect(workerErrorText({ code: 'bad_request', detail: 'seq: must be a number' })).toBe(
      'seq: must be a number',
    )
  })

  it('is quoted as the server’s after a check, where the worker’s own failures are not', () => {
    expect(lastCheckErrorText({ code: 'device_unknown', detail: 'no such device' })).toBe(
      'The server said: no such device',
    )
    expect(lastCheckErrorText({ code: 'deactivation_dropped' })).toBe(
      'The deactivation could not be sent: this device no longer holds a license.',
    )
  })
})

describe('a busy license server that said when to come back', () => {
  const retryAt = new Date(2026, 5, 1, 14, 5).getTime()

  it('tells the user the time to try again, on activation', () => {
    const error = activationError({ code: 'server_error', retryAt })
    expect(error.message).toBe('The license server is busy.')
    expect(error.help).toMatch(/^Try again after .*05/)
    expect(error.offerOffline).toBe(true)
  })

  it('tells the user the time when there are too many activation attempts', () => {
    expect(activationError({ code: 'rate_limited', retryAt }).help).toMatch(/^Try again after/)
    expect(activationError({ code: 'rate_limited' }).help).toBe('Wait a minute, then try again.')
  })
})

describe('a call no worker answered', () => {
  it('asks for a reload', () => {
    expect(workerErrorText({ code: 'no_worker' })).toBe(
      'The license service is not running yet; reload the page.',
    )
  })
})
