import { describe, expect, it } from 'vitest'
import {
  RECONNECT_BUCKETS_MS,
  emptyTelemetry,
  reconnectBucket,
  utcDay,
} from '../../src/core/index.ts'

describe('the bucket of a time from reconnection to a fresh grant', () => {
  it.each([
    [0, 0],
    [1_000, 0],
    [1_001, 1],
    [10_000, 2],
    [60_000, 3],
    [21_600_000, 7],
    [21_600_001, 8],
    [30 * 86_400_000, 8],
  ])('%i ms falls in bucket %i', (ms, bucket) => {
    expect(reconnectBucket(ms)).toBe(bucket)
  })

  it('has one bucket more than there are bounds: the last is for longer waits', () => {
    expect(emptyTelemetry().reconnectCounts).toHaveLength(RECONNECT_BUCKETS_MS.length + 1)
  })
})

describe('the day of a report', () => {
  it.each([
    [Date.UTC(2026, 5, 1, 0, 0, 0), '2026-06-01'],
    [Date.UTC(2026, 5, 1, 23, 59, 59, 999), '2026-06-01'],
    [Date.UTC(2026, 5, 2), '2026-06-02'],
  ])('of %i is %s (UTC)', (time, day) => {
    expect(utcDay(time)).toBe(day)
  })
})
