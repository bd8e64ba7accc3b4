import type { Hono } from 'hono'
import * as v from 'valibot'
import { API_PATHS } from '../../../src/core/index.ts'
import type { CheckResult, ValidateRequest, ValidateResponse } from '../../../src/core/index.ts'
import { readBody } from '../../http/readBody.ts'
import { checkSchema } from '../../http/schemas.ts'
import type { Services } from '../../services.ts'
import { Refusal } from '../../services/Refusal.ts'
import type { CheckedInDevice } from '../../services/TelemetryService.ts'

/** Most checks one `validate` call takes. */
export const MAX_CHECKS = 100
// A real check (grant and proof) is about 1.3 KiB, so 100 of them (about 130 KB, telemetry
// included) do not fit the 64 KiB of other bodies. Twice that and no more: parsing is the one cost
// paid before anything is verified, by anyone who can reach the port.
export const MAX_VALIDATE_BODY_BYTES = 256 * 1024

const ValidateBody = v.object({
  // The count is settled before any item is looked at: a batch of half a million items is refused
  // for its length, at the cost of reading one property.
  checks: v.pipe(
    v.custom<unknown[]>(Array.isArray, 'must be an array of {grant, proof}'),
    v.check((checks) => checks.length >= 1, 'must hold at least one check'),
    v.check((checks) => checks.length <= MAX_CHECKS, `must hold at most ${MAX_CHECKS} checks`),
    v.array(checkSchema, 'must be an array of {grant, proof}'),
  ),
  // Checked apart from the checks (TelemetryService): a bad report is ignored, never a refusal.
  telemetry: v.optional(v.unknown()),
})

/** What validate uses: the checks, their admission, telemetry, and where it counts and logs. */
export type ValidateDeps = Pick<
  Services,
  'licenses' | 'checkAdmission' | 'telemetry' | 'metrics' | 'log'
>

/** `POST /api/v1/validate`: re-verifies many grants in one call; each result is a fresh grant or an error. */
export function validateRoute(app: Hono, s: ValidateDeps): void {
  app.post(API_PATHS.validate, async (c) => {
    const body: ValidateRequest = await readBody(c, ValidateBody, MAX_VALIDATE_BODY_BYTES)
    const admission = s.checkAdmission.admit(body.checks.length)
    if (!admission.ok) {
      s.metrics.validationsShed.inc(body.checks.length)
      const { retryAfterSeconds } = admission
      throw new Refusal('rate_limited', 'the license server is busy; try again after Retry-After', {
        retryAfterSeconds,
      })
    }
    const checkedIn: CheckedInDevice[] = []
    let answer: ValidateResponse
    try {
      answer = await s.licenses.validate(body.checks, {
        onCheckedIn: (claims) =>
          checkedIn.push({
            product: claims.aud,
            policyVersion: claims.pol.v,
            license: claims.sub,
            device: claims.dev,
          }),
        // A device that gave up waiting will not read the answer: its remaining checks are skipped.
        signal: c.req.raw.signal,
      })
    } finally {
      admission.release()
    }
    for (const result of answer.results) s.metrics.validations.inc({ code: resultCode(result) })
    if (body.telemetry === undefined) return c.json(answer)
    const telemetry = await recordTelemetry(s, body.telemetry, checkedIn, c.get('requestId'))
    return c.json({ ...answer, telemetry } satisfies ValidateResponse)
  })
}

function resultCode(result: CheckResult): string {
  return result.ok ? 'ok' : result.error.code
}

/**
 * Adds a device's telemetry report; answers whether it was accepted (and for which UTC day), so
 * that the device clears what it sent. A bad report or a storage failure never fails the checks.
 */
async function recordTelemetry(
  s: Pick<Services, 'telemetry' | 'metrics' | 'log'>,
  report: unknown,
  checkedIn: readonly CheckedInDevice[],
  requestId: string,
): Promise<NonNullable<ValidateResponse['telemetry']>> {
  try {
    const { outcome, day } = await s.telemetry.record(report, checkedIn)
    s.metrics.telemetryReports.inc({ outcome })
    return (outcome === 'accepted' || outcome === 'repeated') && day
      ? { accepted: true, day }
      : { accepted: false }
  } catch (error) {
    s.metrics.telemetryReports.inc({ outcome: 'failed' })
    s.log.warn(
      { reqId: requestId, err: { type: error instanceof Error ? error.name : 'unknown' } },
      'telemetry not stored',
    )
    return { accepted: false }
  }
}
