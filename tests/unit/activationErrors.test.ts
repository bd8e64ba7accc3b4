import { describe, expect, it } from 'vitest'
import { activationError } from '../../src/app/lib/activationErrors.ts'

describe('what the user reads when activation fails', () => {
  it('says how to free a device id bound to another key, not to try again later', () => {
    const error = activationError({
      code: 'conflict',
      detail: 'this device id is already activated with another key',
    })
    expect(error.message).toBe('This device is already activated with another key.')
    expect(error.help).toContain('ask your vendor to remove it')
    expect(error.help).not.toContain('few minutes')
    expect(error.offerOffline).toBe(false)
  })

  it('falls back to the server’s own words for a code it does not know', () => {
    expect(activationError({ code: 'something_new', detail: 'The server explains.' }).message).toBe(
      'The server explains.',
    )
  })

  it('counts the seats from the server’s details, not from the words of its message', () => {
    const full = (details?: { seats: number }) =>
      activationError({
        code: 'seat_limit_reached',
        detail: 'all 9 seats of this license are in use',
        ...(details ? { details } : {}),
      }).message
    expect(full({ seats: 1 })).toBe('The one seat of this license is in use on another device.')
    expect(full({ seats: 5 })).toBe('All 5 seats of this license are in use.')
    expect(full()).toBe('All seats of this license are in use.')
  })

  it('says a key for another product is the wrong key, not a typo or a reason to wait', () => {
    const error = activationError({
      code: 'product_mismatch',
      detail: 'this key is a license for sheets, not notes',
      details: { product: 'sheets' },
    })
    expect(error.message).toBe('That license key is for another product.')
    expect(error.help).toContain('each has a key of its own')
    expect(error.offerOffline).toBe(false)
  })
})
