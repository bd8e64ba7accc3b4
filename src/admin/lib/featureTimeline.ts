import { entitledFeatures, evaluate, policyFor } from '../../core/index.ts'
import type {
  FeatureReason,
  GrantClaims,
  LicenseStatus,
  OfflineClass,
  PolicyOverrides,
  ProductManifest,
} from '../../core/index.ts'

const DAY_MS = 86_400_000
// Any moment works (evaluation is pure); a fixed one keeps the timeline the same on every run.
const START_MS = Date.UTC(2025, 0, 1)

export interface FeatureTrack {
  name: string
  offlineClass: OfflineClass
  critical: boolean
  entitled: boolean
  /** One entry per day from day 0: whether the feature works, and the evaluator's reason. */
  days: { on: boolean; reason: FeatureReason }[]
}

export interface FeatureTimeline {
  /** The last day shown (day 0 is the last online verification). */
  lastDay: number
  /** The license status on each day. */
  statuses: LicenseStatus[]
  features: FeatureTrack[]
  /** The days (possibly fractional) the re-check falls due and the grace ends; null for never. */
  recheckDay: number | null
  graceEndDay: number | null
}

export interface TimelineInput {
  product: ProductManifest
  productId: string
  /** The manifest version the policy would carry (shown in grants, not used by the evaluator). */
  version: number
  plan: string
  overrides?: PolicyOverrides
  lastDay?: number
}

/**
 * What a device of `plan` keeps on each day offline, day 0 being its last online check: the core's
 * own `evaluate` on a grant carrying `policyFor(product)`, sampled once a day. Features follow the
 * manifest's order; a feature outside the plan is off throughout.
 * @example featureTimeline({ product, productId: 'notes', version: 3, plan: 'pro' })
 */
export function featureTimeline(input: TimelineInput): FeatureTimeline {
  const lastDay = input.lastDay ?? 30
  const pol = policyFor(input.product, Math.max(1, input.version), input.overrides)
  const entitled = entitledFeatures(input.product, input.plan)
  const grant: GrantClaims = {
    iss: 'timeline',
    aud: input.productId,
    sub: 'lic_timeline',
    jti: 'timeline',
    seq: 1,
    iat: START_MS / 1000,
    status: 'active',
    plan: input.plan,
    features: entitled,
    pol,
    dev: 'timeline-device',
    cnf: { jkt: 'timeline' },
  }
  const names = Object.keys(input.product.features)
  const features: FeatureTrack[] = names.map((name) => ({
    name,
    offlineClass: input.product.features[name]?.offline ?? 'online',
    critical: input.product.features[name]?.critical === true,
    entitled: entitled.includes(name),
    days: [],
  }))
  const statuses: LicenseStatus[] = []
  for (let day = 0; day <= lastDay; day++) {
    const state = evaluate({ grant, now: START_MS + day * DAY_MS, connectivity: 'offline' })
    statuses.push(state.status)
    for (const track of features) {
      track.days.push({
        on: state.features[track.name] === true,
        reason: state.reasons[track.name] ?? 'not_in_plan',
      })
    }
  }
  return {
    lastDay,
    statuses,
    features,
    recheckDay: pol.recheck === null ? null : pol.recheck / 86_400,
    graceEndDay: pol.recheck === null ? null : (pol.recheck + pol.grace) / 86_400,
  }
}

export interface Span<T> {
  from: number
  /** Inclusive. */
  to: number
  value: T
}

/** Runs of equal values: `spans([1, 1, 2])` is `[{from: 0, to: 1, value: 1}, {from: 2, to: 2, value: 2}]`. */
export function spans<T>(values: readonly T[]): Span<T>[] {
  const result: Span<T>[] = []
  values.forEach((value, day) => {
    const last = result.at(-1)
    if (last && last.value === value && last.to === day - 1) last.to = day
    else result.push({ from: day, to: day, value })
  })
  return result
}

const REASON_TEXT: Record<FeatureReason, string> = {
  ok: 'works',
  kept_critical: 'kept as critical',
  not_in_plan: 'not in this plan',
  needs_connection: 'needs a connection',
  recheck_overdue: 'recheck overdue',
  clock_suspect: 'clock suspect',
  license_expired: 'license expired',
  license_suspended: 'license suspended',
  license_revoked: 'license revoked',
  device_deactivated: 'device deactivated',
  no_lease: 'no floating lease held',
  no_license: 'no license',
}

/** The evaluator's reason in words. */
export function reasonText(reason: FeatureReason): string {
  return REASON_TEXT[reason]
}

/** A feature's days in words: "on days 0–7; off from day 8 (recheck overdue)". */
export function describeTrack(track: FeatureTrack): string {
  const runs = spans(track.days.map((day) => (day.on ? 'on' : `off:${day.reason}`)))
  const last = track.days.length - 1
  return runs
    .map((run) => {
      const days =
        run.from === 0 && run.to === last
          ? 'every day'
          : run.to === last
            ? `from day ${run.from}`
            : run.from === run.to
              ? `on day ${run.from}`
              : `days ${run.from}–${run.to}`
      if (run.value === 'on') return `on ${days}`
      const reason = run.value.slice('off:'.length) as FeatureReason
      return `off ${days} (${reasonText(reason)})`
    })
    .join('; ')
}
