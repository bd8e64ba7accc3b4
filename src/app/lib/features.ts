import type { FeatureReason, ServedLicenseState } from 'leeway/core'
import { formatDuration } from './format.ts'
import { writableWithoutService } from './serviceProblem.ts'
import type { ServiceProblem } from './serviceProblem.ts'

export type OfflineClass = 'always' | 'window' | 'online'

/** A feature of the demo product as the user knows it (server/demoManifest.ts holds the policy). */
export interface FeatureInfo {
  name: string
  label: string
  /** The feature as a short noun inside a sentence: "export and templates keep working". */
  short: string
  offline: OfflineClass
  /** Kept for a while after a revocation, so users can take their work with them. */
  critical: boolean
}

export const FEATURES: readonly FeatureInfo[] = [
  {
    name: 'notes.edit',
    label: 'Write, edit and delete notes',
    short: 'writing notes',
    offline: 'always',
    critical: false,
  },
  {
    name: 'notes.search',
    label: 'Search notes',
    short: 'search',
    offline: 'always',
    critical: true,
  },
  {
    name: 'export.file',
    label: 'Export as Markdown files',
    short: 'export',
    offline: 'window',
    critical: true,
  },
  {
    name: 'templates',
    label: 'Start from a template',
    short: 'templates',
    offline: 'window',
    critical: false,
  },
  {
    name: 'share.link',
    label: 'Share a read-only link',
    short: 'sharing',
    offline: 'online',
    critical: false,
  },
]

export type FeatureName = 'notes.edit' | 'notes.search' | 'export.file' | 'templates' | 'share.link'

/** Whether a control may be used now, and if not, why, in words for its tooltip. */
export interface Gate {
  allowed: boolean
  reason: string
}

/**
 * The gate of `feature` in `state`; closed with a reason while the state is unknown, except
 * writing notes where no license service can run (`problem`, see serviceProblem.ts).
 */
export function gate(
  state: ServedLicenseState | null,
  feature: FeatureName,
  problem: ServiceProblem | null = null,
): Gate {
  if (!state && writableWithoutService(problem))
    return feature === 'notes.edit'
      ? { allowed: true, reason: '' }
      : {
          allowed: false,
          reason: 'Needs the license service, which this browser does not run here.',
        }
  if (!state) return { allowed: false, reason: 'Checking your license…' }
  if (state.features[feature] === true) return { allowed: true, reason: '' }
  return { allowed: false, reason: reasonText(state.reasons[feature] ?? 'no_license', state) }
}

/** Why a feature is off, as the user should read it next to the control. */
export function reasonText(reason: FeatureReason, state: ServedLicenseState): string {
  switch (reason) {
    case 'ok':
    case 'kept_critical':
      return ''
    case 'not_in_plan':
      return `Not included in your ${planName(state.license?.plan)} plan.`
    case 'needs_connection':
      return 'Available again after you reconnect.'
    case 'recheck_overdue':
      return 'Paused until this device is back online to check its license.'
    case 'clock_suspect':
      return 'Paused because your device clock looks wrong. Correct it or connect.'
    case 'license_expired':
      return 'Your license has ended. Renew it to use this again.'
    case 'license_suspended':
      return 'Your license is suspended. Contact the vendor to restore it.'
    case 'license_revoked':
      return 'This license was revoked.'
    case 'device_deactivated':
      return state.revocationReason === 'device_removed'
        ? 'This device was removed from the license. Activate it again to use this.'
        : 'This device was deactivated. Activate it again to use this.'
    case 'no_license':
      return 'Activate a license to use this.'
    case 'no_lease':
      return state.connectivity === 'online'
        ? 'Every license of your team is in use. Try again when one frees up.'
        : 'Your team’s licenses are shared: connect to take one.'
  }
}

/** What a feature needs to work, in words, with the windows this license's policy gives. */
export function needsText(feature: FeatureInfo, state: ServedLicenseState | null): string {
  switch (feature.offline) {
    case 'always':
      return 'An active license. Works offline.'
    case 'online':
      return 'An internet connection, right now.'
    case 'window': {
      const window = offlineWindow(state)
      const base =
        window === null
          ? 'A recent online license check.'
          : `An online license check in the last ${formatDuration(window)}.`
      return feature.critical
        ? `${base} Kept for a while after a revocation, so you can take your notes with you.`
        : base
    }
  }
}

/** How long `window` features work without a check: the re-check interval plus the grace. */
export function offlineWindow(state: ServedLicenseState | null): number | null {
  if (!state || state.verifiedAt === null || state.graceEndsAt === null) return null
  return state.graceEndsAt - state.verifiedAt
}

/**
 * The features of `state` whose reason is one of `reasons`, as short nouns in the app's order:
 * `['export', 'templates']`. Features the app does not know are named as the policy names them.
 */
export function featuresWhere(
  state: ServedLicenseState,
  accept: (reason: FeatureReason, feature: FeatureInfo | undefined) => boolean,
): string[] {
  const known = new Map(FEATURES.map((feature) => [feature.name, feature]))
  const order = (name: string) => {
    const index = FEATURES.findIndex((feature) => feature.name === name)
    return index === -1 ? FEATURES.length : index
  }
  return Object.entries(state.reasons)
    .filter(([name, reason]) => accept(reason, known.get(name)))
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([name]) => known.get(name)?.short ?? name)
}

/** "export", "export and templates", "export, templates and sharing". */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`
}

/** `text` with its first letter in upper case, to open a sentence. */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** "Pro" for "pro": plan ids are lower-case words. */
export function planName(plan: string | undefined): string {
  if (!plan) return 'current'
  return plan.charAt(0).toUpperCase() + plan.slice(1)
}
