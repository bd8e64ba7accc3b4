import type { Hono } from 'hono'
import { utcDay } from '../../../src/core/index.ts'
import type { TelemetrySeries } from '../../../src/core/index.ts'
import { Refusal } from '../../services/Refusal.ts'
import type { Services } from '../../services.ts'
import { MIN_DEVICES } from '../../services/TelemetryService.ts'

const DAY = 86_400_000
/** The longest range one call may ask for, in days. */
export const MAX_TELEMETRY_DAYS = 366
const DEFAULT_DAYS = 30

/**
 * `GET /admin/v1/telemetry?from&to`: the daily series (UTC days `YYYY-MM-DD`, both inclusive; the
 * last 30 days by default). Series of fewer than `minDevices` devices are left out and counted in
 * `suppressed`.
 */
export function adminTelemetryRoutes(admin: Hono, s: Pick<Services, 'telemetry' | 'now'>): void {
  admin.get('/telemetry', async (c) => {
    const today = utcDay(s.now())
    const to = readDay(c.req.query('to'), 'to') ?? today
    const from =
      readDay(c.req.query('from'), 'from') ?? utcDay(Date.parse(to) - (DEFAULT_DAYS - 1) * DAY)
    if (from > to) throw new Refusal('bad_request', 'from: must not be after to')
    if ((Date.parse(to) - Date.parse(from)) / DAY + 1 > MAX_TELEMETRY_DAYS)
      throw new Refusal('bad_request', `from, to: at most ${MAX_TELEMETRY_DAYS} days at once`)
    const { series, suppressed } = await s.telemetry.series(from, to)
    return c.json({
      from,
      to,
      minDevices: MIN_DEVICES,
      suppressed,
      series,
    } satisfies TelemetrySeries)
  })
}

function readDay(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined
  // A real calendar day: 2026-02-30 parses in some engines, so it must read back the same.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || utcDay(Date.parse(value) || 0) !== value)
    throw new Refusal('bad_request', `${name}: must be a day as YYYY-MM-DD`)
  return value
}
