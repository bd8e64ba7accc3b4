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
  /** A floating license (#15): what the device knows of its slot beyond the grant. */
  lease?: LeaseFacts
}

/** What a device knows of its floating license's slot that its grant cannot say. */
export interface LeaseFacts {
  /**
   * When the user gave the borrowed slot back on this device (epoch ms), while the server has not
   * yet been told: the borrow stops here and now, whatever its grant says.
   */
  borrowReturnedAt?: number | null
  /** The server's last refusal of a lease because every slot was taken, and this device's place in line. */
  allInUse?: { nextFreeAt: number; waitingAhead: number } | null
}

const second = 1000

/**
 * Decides what works now: a pure function of the grant, the clocks and connectivity. Outcomes are
 * checked in a fixed order: no grant, revoked (or this device deactivated), expired, suspended,
 * then the sliding window (active, grace, limited). Time is the later of the local clock and
 * `lastSeen`, so setting the clock back never extends anything.
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
  // A floating license's grant ends with its lease; the term's end travels in `flt`.
  const floating = grant.flt
  const expiresAt = grant.exp === undefined ? null : grant.exp * second
  const termEndsAt = floating
    ? floating.end === undefined
      ? null
      : floating.end * second
    : expiresAt
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
    supportUrl: grant.pol.support ?? null,
    floating: null,
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

  const critical = new Set(grant.pol.critical)
  // Critical features outlive the end of rights for keepCritical (a revocation, a freed seat, the
  // end of the term), so users can take their work with them; `online` ones still need the server.
  const keepCriticalUntil = (
    criticalUntil: number,
    off: FeatureReason,
    keeps: (name: string) => boolean = () => true,
  ) => {
    state.criticalUntil = criticalUntil
    decide((name) => {
      if (!critical.has(name) || !keeps(name) || t >= criticalUntil) return off
      return needsConnection(name) ? 'needs_connection' : 'kept_critical'
    })
    return Object.values(state.features).some(Boolean)
  }

  if (grant.status === 'revoked') {
    // From when the revocation took effect, not from this copy of it: re-issuing a revocation at
    // every check must not keep critical features alive for ever.
    const criticalUntil = ((grant.rvk ?? grant.iat) + grant.pol.keepCritical) * second
    const reason = grant.rsn ?? 'revoked'
    state.revocationReason = reason
    state.nextCheckAt = null
    state.graceEndsAt = null
    if (reason === 'deactivated' || reason === 'device_removed') {
      // The license is in good standing; only this device's seat went. Nothing to contact anyone
      // about: the way back is to activate again (which takes a seat if one is free).
      state.status = 'deactivated'
      keepCriticalUntil(criticalUntil, 'device_deactivated')
      return withRemediation(state, ['activate'])
    }
    state.status = 'revoked'
    const keepsSome = keepCriticalUntil(criticalUntil, 'license_revoked')
    return withRemediation(state, keepsSome ? ['export_now', 'contact_vendor'] : ['contact_vendor'])
  }

  if (termEndsAt !== null && t >= termEndsAt) {
    // The end of a term is no harsher than a revocation: critical features stay for keepCritical
    // after it, counted from the term end, so a lapsed subscription never traps anyone's work.
    state.status = 'expired'
    // Only what still worked when the term ended: the end of a term gives nothing back that the
    // window had already taken (time alone never turns a feature on).
    const windowOpenAtEnd =
      grant.status === 'suspended' || graceEndsAt === null || termEndsAt < graceEndsAt
    const keepsSome = keepCriticalUntil(
      termEndsAt + grant.pol.keepCritical * second,
      'license_expired',
      (name) => windowOpenAtEnd || classOf(name) === 'always',
    )
    return withRemediation(state, keepsSome ? ['export_now', 'renew'] : ['renew'])
  }

  if (grant.status === 'suspended') {
    state.status = 'suspended'
    decide((name) => {
      if (!critical.has(name)) return 'license_suspended'
      return needsConnection(name) ? 'needs_connection' : 'kept_critical'
    })
    return withRemediation(state, ['contact_vendor'])
  }

  if (floating) {
    const returnedAt = input.lease?.borrowReturnedAt ?? null
    const held =
      grant.lse !== undefined &&
      expiresAt !== null &&
      t < expiresAt &&
      !(grant.lse === 'borrow' && returnedAt !== null)
        ? grant.lse
        : null
    state.floating = {
      held,
      endsAt: held ? expiresAt : null,
      maxConcurrent: floating.max,
      leaseLength: floating.lease * second,
      borrowUntilMax:
        floating.borrow === undefined
          ? null
          : Math.min(t + floating.borrow * second, termEndsAt ?? Number.POSITIVE_INFINITY),
      allInUse: held ? null : (input.lease?.allInUse ?? null),
      returnPending: returnedAt !== null,
    }
    if (!held) {
      // Every feature, `always` ones too, needs a slot; critical ones outlive the slot by
      // keepCritical, counted from when it ended, so a full team never traps anyone's work.
      state.status = 'unleased'
      state.nextCheckAt = null
      state.graceEndsAt = null
      const endedAt = returnedAt ?? expiresAt ?? verifiedAt
      keepCriticalUntil(Math.min(endedAt, t) + grant.pol.keepCritical * second, 'no_lease')
      const step =
        connectivity === 'online'
          ? 'take_lease'
          : connectivity === 'server-error'
            ? 'retry_later'
            : 'connect'
      return withRemediation(state, [step], connectivity === 'online')
    }
    if (held === 'borrow' && expiresAt !== null) {
      // A borrow is the vendor's leave to work offline until its end, and not a moment after.
      state.nextCheckAt = expiresAt
      state.graceEndsAt = expiresAt
    } else if (expiresAt !== null) {
      // A lease is due for renewal at half its length; whatever the window, nothing outlives it.
      const renewAt = verifiedAt + (expiresAt - verifiedAt) / 2
      state.nextCheckAt = Math.min(recheckDue ?? renewAt, renewAt)
      state.graceEndsAt = Math.min(graceEndsAt ?? expiresAt, expiresAt)
    }
  }

  state.status = windowStatus(t, state.nextCheckAt, state.graceEndsAt)
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
  // Reachable now, the clock is all that stands in the way: asking to connect would be no step.
  const connected = connectivity === 'online'
  if (
    !(clockSuspect && connected) &&
    (state.status !== 'active' || Object.values(state.reasons).includes('needs_connection'))
  ) {
    steps.push(connectivity === 'server-error' ? 'retry_later' : 'connect')
  }
  return withRemediation(state, steps, connected)
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
      supportUrl: null,
      floating: null,
    },
    [problem === 'store_unavailable' ? 'allow_storage' : problem ? 'reactivate' : 'activate'],
  )
}

function withRemediation(
  state: LicenseState,
  codes: RemediationCode[],
  online = false,
): LicenseState {
  state.remediation = codes.map((code) => remediation(code, online))
  return state
}
