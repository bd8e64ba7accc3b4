import { describe, expect, it } from 'vitest'
import { durationInWords, readFloating } from '../../src/admin/lib/floatingForm.ts'
import type { FloatingFields } from '../../src/admin/lib/floatingForm.ts'

const fields = (change: Partial<FloatingFields> = {}): FloatingFields => ({
  maxConcurrent: 3,
  leaseLength: 'PT15M',
  maxBorrow: 'P7D',
  ...change,
})

describe('the floating fields of the new-license form', () => {
  it('make the settings the admin API takes, durations upper-cased and no borrowing when empty', () => {
    expect(readFloating(fields({ leaseLength: ' pt15m ', maxBorrow: '' }), 10)).toEqual({
      ok: true,
      floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: null },
    })
    expect(readFloating(fields(), 3)).toEqual({
      ok: true,
      floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P7D' },
    })
  })

  it.each([
    ['no number of devices', { maxConcurrent: null }, 'maxConcurrent', 'Enter a whole number'],
    ['a fraction of a device', { maxConcurrent: 2.5 }, 'maxConcurrent', 'Enter a whole number'],
    ['zero devices at once', { maxConcurrent: 0 }, 'maxConcurrent', 'At least 1'],
    ['more at once than seats', { maxConcurrent: 11 }, 'maxConcurrent', 'At most the seats (10)'],
    ['no lease length', { leaseLength: '' }, 'leaseLength', 'Enter a duration'],
    ['minutes written in words', { leaseLength: '15 minutes' }, 'leaseLength', 'Not a duration'],
    ['months (no fixed length)', { leaseLength: 'P1M' }, 'leaseLength', 'Not a duration'],
    ['a lease of zero', { leaseLength: 'PT0M' }, 'leaseLength', 'longer than zero'],
    ['a borrow that is not a duration', { maxBorrow: '7d' }, 'maxBorrow', 'Not a duration'],
    ['a borrow of zero', { maxBorrow: 'P0D' }, 'maxBorrow', 'longer than zero'],
  ] as const)('refuse %s, naming the field', (_name, change, field, words) => {
    const reading = readFloating(fields(change), 10)
    expect(reading.ok).toBe(false)
    if (reading.ok) return
    expect(Object.keys(reading.problems)).toEqual([field])
    expect(reading.problems[field]).toContain(words)
  })

  it('report every field that is wrong at once', () => {
    const reading = readFloating({ maxConcurrent: 0, leaseLength: 'soon', maxBorrow: 'later' }, 5)
    expect(reading.ok ? [] : Object.keys(reading.problems).sort()).toEqual([
      'leaseLength',
      'maxBorrow',
      'maxConcurrent',
    ])
  })

  it('read durations for people, and nothing for what is not one', () => {
    expect(durationInWords('PT15M')).toBe('15 min')
    expect(durationInWords('p7d')).toBe('7 d')
    expect(durationInWords('fortnight')).toBeNull()
  })
})
