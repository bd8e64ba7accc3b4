import { isClockSuspect } from './clockGuard.ts'
import type { GrantClaims, OfflineClass } from './grant.ts'
import type {
  Connectivity,
  FeatureReason,
  LicenseState,
  LicenseStatus,
  RemediationCode,
} from './licenseState.ts'
import { remediation } from './remediation.ts'

export interface EvaluateInput {
  /** The verified grant, or null when there is none (or it failed verification: say why in `problem`). */
  grant: GrantClaims | null
  /** The local clock, epoch ms. */
  now: number
  /** The largest local or server time seen so far, epoch ms (clock guard). */
  lastSeen?: number | null
  /** What the last attempt to reach the server found; `online` features need `online`. */
  connectivity?: Connectivity
  /** Why a stored grant was unusable (a core error code), or why it is suspect. */
  problem?: string | null
  /**
   * The store's own record of `lastSeen` is gone, or the grant was written back over a newer one:
   * the clock cannot be vouched for, so the state is `clockSuspect` whatever the clock reads.
   */
  storeSuspect?: boolean
  /** Features to list, all off, when there is no grant to name them. */
  catalog?: Readonly<Record<string, OfflineClass>>
}

const second = 1000

/**
 * Decides what works now: a pure function of the grant, the clocks and connectivity. Outcomes are
 * checked in a fixed order: no grant, revoked, expired, suspended, then the sliding window
 * (active, grace, limited). Time is the later of the local clock and `lastSeen`, so setting the
 * clock back never extends anything.
 */
export function evaluate(input: EvaluateInput): LicenseState {
  const { grant, now } = input
  const lastSeen = input.lastSeen ?? null
  const connectivity = input.connectivity ?? 'offline'
  const clockSuspect = isClockSuspect(now, lastSeen) || input.storeSuspect === true
  const t = Math.max(now, lastSeen ?? now)

  if (!grant) return unlicensed(input, connectivity, clockSuspect)

  const classes = grant.pol.features
  const entitled = new Set(grant.features)
  const names = [...new Set([...Object.keys(classes), ...grant.features])].sort()
  const termEndsAt = grant.exp === undefined ? null : grant.exp * second
  const verifiedAt = grant.iat * second
  const recheckDue = grant.pol.recheck === null ? null : verifiedAt + grant.pol.recheck * second
  const graceEndsAt = recheckDue === null ? null : recheckDue + grant.pol.grace * second

  const state: LicenseState = {
    status: 'active',
    features: {},
    reasons: {},
    connectivity,
    verifiedAt,
    nextCheckAt: recheckDue,
    graceEndsAt,
    termEndsAt,
    criticalUntil: null,
    clockSuspect,
    license: { id: grant.sub, product: grant.aud, plan: grant.plan, deviceId: grant.dev },
    remediation: [],
    problem: input.problem ?? null,
    revocationReason: null,
  }
  const decide = (decideFeature: (name: string) => FeatureReason) => {
    for (const name of names) {
      const reason = entitled.has(name) ? decideFeature(name) : 'not_in_plan'
      state.features[name] = reason === 'ok' || reason === 'kept_critical'
      state.reasons[name] = reason
    }
  }
  // A feature the policy does not classify is treated as the strictest class.
  const classOf = (name: string): OfflineClass =>
    Object.hasOwn(classes, name) ? (classes[name] ?? 'online') : 'online'
  const needsConnection = (name: string) => classOf(name) === 'online' && connectivity !== 'online'

  if (grant.status === 'revoked') {
    // From when the revocation took effect, not from this copy of it: re-issuing a revocation at
    // every check must not keep critical features alive for ever.
    const criticalUntil = ((grant.rvk ?? grant.iat) + grant.pol.keepCritical) * second
    const critical = new Set(grant.pol.critical)
    state.status = 'revoked'
    state.criticalUntil = criticalUntil
    state.revocationReason = grant.rsn ?? 'revoked'
    state.nextCheckAt = null
    state.graceEndsAt = null
    decide((name) => {
      if (!critical.has(name) || t >= criticalUntil) return 'license_revoked'
      return needsConnection(name) ? 'needs_connection' : 'kept_critical'
    })
    const keepsSome = Object.values(state.features).some(Boolean)
    return withRemediation(state, keepsSome ? ['export_now', 'contact_vendor'] : ['contact_vendor'])
  }

  if (termEndsAt !== null && t >= termEndsAt) {
    state.status = 'expired'
    decide(() => 'license_expired')
    return withRemediation(state, ['renew'])
  }

  if (grant.status === 'suspended') {
    const critical = new Set(grant.pol.critical)
    state.status = 'suspended'
    decide((name) => {
      if (!critical.has(name)) return 'license_suspended'
      return needsConnection(name) ? 'needs_connection' : 'kept_critical'
    })
    return withRemediation(state, ['contact_vendor'])
  }

  state.status = windowStatus(t, recheckDue, graceEndsAt)
  const windowOpen = state.status !== 'limited'
  decide((name) => {
    const offlineClass = classOf(name)
    if (offlineClass === 'always') return 'ok'
    if (clockSuspect) return 'clock_suspect'
    if (!windowOpen) return 'recheck_overdue'
    if (offlineClass === 'online' && connectivity !== 'online') return 'needs_connection'
    return 'ok'
  })
  const steps: RemediationCode[] = []
  if (clockSuspect) steps.push('fix_clock')
  if (state.status !== 'active' || Object.values(state.reasons).includes('needs_connection')) {
    steps.push(connectivity === 'server-error' ? 'retry_later' : 'connect')
  }
  return withRemediation(state, steps)
}

function windowStatus(
  t: number,
  recheckDue: number | null,
  graceEndsAt: number | null,
): LicenseStatus {
  if (recheckDue === null || graceEndsAt === null || t < recheckDue) return 'active'
  return t < graceEndsAt ? 'grace' : 'limited'
}

function unlicensed(
  input: EvaluateInput,
  connectivity: Connectivity,
  clockSuspect: boolean,
): LicenseState {
  const features: Record<string, boolean> = {}
  const reasons: Record<string, FeatureReason> = {}
  for (const name of Object.keys(input.catalog ?? {}).sort()) {
    features[name] = false
    reasons[name] = 'no_license'
  }
  const problem = input.problem ?? null
  return withRemediation(
    {
      status: 'unlicensed',
      features,
      reasons,
      connectivity,
      verifiedAt: null,
      nextCheckAt: null,
      graceEndsAt: null,
      termEndsAt: null,
      criticalUntil: null,
      clockSuspect,
      license: null,
      remediation: [],
      problem,
      revocationReason: null,
    },
    [problem === 'store_unavailable' ? 'allow_storage' : problem ? 'reactivate' : 'activate'],
  )
}

function withRemediation(state: LicenseState, codes: RemediationCode[]): LicenseState {
  state.remediation = codes.map(remediation)
  return state
}
