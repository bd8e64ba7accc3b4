import type { ServedLicenseState } from 'leeway/core'
import { capitalized, featuresWhere, listWords, planName } from './features.ts'
import type { FeatureInfo } from './features.ts'
import { formatDay, formatDuration, formatLeft, formatMoment, latestAt } from './format.ts'
import type { ServiceProblem } from './serviceProblem.ts'

export type Tone = 'ok' | 'info' | 'warn' | 'error'

/** The status line: one plain-words message for the state, and an optional second sentence. */
export interface StatusMessage {
  tone: Tone
  text: string
  detail: string | null
}

/** The one message the status line shows for `state` at `now`. */
export function statusMessage(state: ServedLicenseState, now: number = Date.now()): StatusMessage {
  const detail = state.pendingDeactivation
    ? 'Deactivation of this device is waiting for a connection; it completes as soon as you are online.'
    : state.floating?.held === 'borrow' && state.floating.endsAt !== null
      ? `This device has borrowed ${state.floating.maxConcurrent === 1 ? "your team's one license" : `one of your team's ${state.floating.maxConcurrent} licenses`} until ${formatMoment(state.floating.endsAt, now)}: everything works offline until then. Give it back early in the license panel.`
      : null
  const message = (tone: Tone, text: string): StatusMessage => ({ tone, text, detail })
  // "on Tue 3 Dec", or "today".
  const onDay = (ms: number) => {
    const day = formatDay(ms, now)
    return day === 'today' ? day : `on ${day}`
  }
  const until = (ms: number | null) =>
    ms === null ? '' : ` until ${formatMoment(ms, now)} (${formatLeft(ms, now)})`
  const ofClass = (feature: FeatureInfo | undefined, offline: FeatureInfo['offline']) =>
    feature?.offline === offline
  const verb = (words: string, one: string, many: string) => (words.includes(' and ') ? many : one)
  // What stops, named: "sharing", "export and templates".
  const waiting = listWords(featuresWhere(state, (reason) => reason === 'needs_connection'))
  const windowed = featuresWhere(
    state,
    (reason, feature) => reason === 'ok' && ofClass(feature, 'window'),
  )
  const always = listWords(
    featuresWhere(state, (reason, feature) => reason === 'ok' && ofClass(feature, 'always')),
  )
  const waitLine = waiting
    ? `${capitalized(waiting)} ${verb(waiting, 'waits', 'wait')} for a connection.`
    : ''
  // "Export and templates keep working until Fri 13 Dec (7 days left)", or null on a plan without them.
  const windowLine =
    windowed.length === 0
      ? null
      : `${capitalized(listWords(windowed))} ${windowed.length === 1 ? 'keeps' : 'keep'} working${until(state.graceEndsAt)}`
  const keptLine = () => {
    const kept = featuresWhere(state, (reason) => reason === 'kept_critical')
    if (kept.length === 0 || state.criticalUntil === null || state.criticalUntil <= now) return null
    return `${capitalized(listWords(kept))} ${kept.length === 1 ? 'keeps' : 'keep'} working until ${formatDay(state.criticalUntil, now)}, so you can take your notes with you.`
  }

  if (
    state.clockSuspect &&
    (state.status === 'active' || state.status === 'grace' || state.status === 'limited')
  ) {
    const paused = listWords(featuresWhere(state, (reason) => reason === 'clock_suspect'))
    const stops = paused ? `, so ${paused} ${verb(paused, 'is', 'are')} paused` : ''
    return message(
      'warn',
      state.connectivity === 'online'
        ? `Your device clock seems to be set in the past${stops}. Correct its date and time, then choose “Check now” in the license panel.`
        : `Your device clock seems to be set in the past${stops}. Correct it, or connect to the internet so Leeway Notes can check it.`,
    )
  }

  switch (state.status) {
    case 'unlicensed':
      if (state.problem === 'store_unavailable')
        return message(
          'error',
          'This browser is not letting Leeway Notes keep its license (private browsing or full storage?). Your notes stay readable.',
        )
      return state.problem
        ? message(
            'warn',
            'The license saved on this device could not be read. Activate again with your license key; it does not use another seat.',
          )
        : message(
            'info',
            'This device is not activated yet. Enter your license key to start writing notes.',
          )

    case 'active': {
      const term =
        state.termEndsAt !== null && state.termEndsAt - now < 14 * 86_400_000
          ? ` Your subscription ends ${formatMoment(state.termEndsAt, now)} (${formatLeft(state.termEndsAt, now)}).`
          : ''
      switch (state.connectivity) {
        case 'offline': {
          // Name what stops and when, and that the rest does not: "everything but" read as "notes stop".
          const rest = windowLine
            ? `${windowLine}${always ? `; ${always} ${verb(always, 'has', 'have')} no time limit` : ''}.`
            : always
              ? `${capitalized(always)} ${verb(always, 'keeps', 'keep')} working offline.`
              : ''
          return message(
            'info',
            `You're offline. ${[waitLine, rest].filter(Boolean).join(' ')}${term}`,
          )
        }
        case 'server-error':
          return message(
            'info',
            `The license server is not answering right now. Everything keeps working; Leeway Notes will try again by itself.${term}`,
          )
        case 'interference':
          return message(
            'info',
            `Something on this network answered instead of the license server (a Wi-Fi sign-in page?). Everything keeps working; sign in to the network to check your license.${term}`,
          )
        case 'online':
          return message(
            'ok',
            `Your ${planName(state.license?.plan)} license is active. Everything works, online and offline.${term}`,
          )
      }
      break
    }

    case 'grace': {
      // On a plan with no window features, nothing of the user's depends on the grace period.
      const keeps = windowLine ? `${windowLine}.` : 'Everything in your plan keeps working.'
      const also = waitLine ? ` ${waitLine}` : ''
      switch (state.connectivity) {
        case 'server-error':
          return message(
            'warn',
            `The license server has not answered since ${formatMoment(state.verifiedAt ?? now, now)}. ${keeps} Leeway Notes keeps trying by itself.`,
          )
        case 'interference':
          return message(
            'warn',
            `Something on this network is blocking the license check (a Wi-Fi sign-in page?). ${keeps} Sign in to the network to extend.`,
          )
        case 'online':
          return message('info', `Checking your license… ${keeps}`)
        case 'offline':
          return message(
            'warn',
            `You're offline. ${keeps}${also} Connect to the internet to extend.`,
          )
      }
      break
    }

    case 'limited': {
      const verifiedAt = state.verifiedAt ?? now
      // "for 8 days", or "since today at 14:05" when it has been less than a day.
      const away =
        now - verifiedAt >= 86_400_000
          ? `for ${formatDuration(now - verifiedAt)}`
          : `since ${formatMoment(verifiedAt, now)}`
      const paused = featuresWhere(state, (reason) => reason === 'recheck_overdue')
      const what = `${capitalized(listWords(paused))} ${paused.length === 1 ? 'is' : 'are'} paused`
      const still = always ? `${capitalized(always)} still ${verb(always, 'works', 'work')}.` : ''
      return state.connectivity === 'server-error'
        ? message(
            'error',
            `${what} because the license server has not confirmed your license ${away}. ${still} Leeway Notes keeps trying by itself.`,
          )
        : message(
            'error',
            `${what} because this device hasn't been online ${away}. ${still} Connect to restore them.`,
          )
    }

    case 'expired': {
      const kept = keptLine()
      return message(
        'error',
        `Your license ended ${state.termEndsAt === null ? 'recently' : onDay(state.termEndsAt)}. Your notes are still here to read.${kept ? ` ${kept}` : ''} Renew your subscription, then check again.`,
      )
    }

    case 'suspended':
      return message(
        'error',
        `This license is suspended. Your notes are still here to read${state.features['export.file'] ? ' and export' : ''}. Contact the vendor to restore it.`,
      )

    case 'revoked': {
      const on = state.verifiedAt === null ? '' : ` ${onDay(state.verifiedAt)}`
      return message(
        'error',
        `This license was revoked${on}. ${keptLine() ?? 'Your notes are still here to read.'}`,
      )
    }

    case 'unleased': {
      // A floating license: the team's slots are shared, and this device holds none right now.
      const floating = state.floating
      const kept = keptLine()
      const notes = kept
        ? ` Your notes are still here to read. ${kept}`
        : ' Your notes are still here to read.'
      if (floating?.returnPending)
        return message(
          'info',
          `You gave the borrowed license back; your team gets it as soon as this device is online.${notes}`,
        )
      if (floating?.allInUse)
        return message(
          'warn',
          `${floating.maxConcurrent === 1 ? 'The one license of your team is' : `All ${floating.maxConcurrent} licenses are`} in use; one frees up when someone closes the app, ${latestAt(floating.allInUse.nextFreeAt, now)}. ${inLine(floating.allInUse.waitingAhead)}${notes}`,
        )
      if (state.connectivity === 'online')
        return message('info', 'Taking one of your team’s licenses…')
      return message(
        'warn',
        `Your team shares ${floating ? `${floating.maxConcurrent} licenses` : 'its licenses'}, and this device holds none while it cannot reach the license server.${notes} Connect to take one, or borrow one before you go offline next time.`,
      )
    }

    case 'deactivated': {
      // Not a fault of anyone's: a freed seat, said plainly, with the one way back.
      const on = state.verifiedAt === null ? '' : ` ${onDay(state.verifiedAt)}`
      const what =
        state.revocationReason === 'device_removed'
          ? `This device was removed from the license${on}.`
          : `This device was deactivated${on} and its seat is free.`
      return message(
        'info',
        `${what} Your notes are still here to read. Activate again to keep writing here.`,
      )
    }
  }
  return message('info', 'Checking your license…')
}

/** This device's place in line for a floating license's slot, while the app stays open. */
function inLine(waitingAhead: number): string {
  const keep = 'keep the app open to keep your place.'
  if (waitingAhead === 0) return `You're next in line: ${keep}`
  return `${waitingAhead === 1 ? 'One person is' : `${waitingAhead} people are`} ahead of you in line; ${keep}`
}

/** What the status line says while the license service has not answered. */
export function startingMessage(problem: ServiceProblem | null): StatusMessage {
  const plain = (tone: Tone, text: string): StatusMessage => ({ tone, text, detail: null })
  switch (problem) {
    case null:
      return plain('info', 'Starting the license service…')
    case 'unsupported':
    case 'refused':
      return plain(
        'warn',
        `This browser does not let Leeway Notes run its license service here (a private window, or a setting or policy that blocks service workers). Your notes are here to read and write; search, export, templates and sharing need a regular window.`,
      )
    case 'silent':
      return plain(
        'warn',
        'The license service has not started in this tab. Your notes are here to read. Reload the page; if that does not help, a browser extension or setting may be blocking it.',
      )
  }
}

/** The status word in the status chip; lower case, so it reads as the state's name. */
export function statusLabel(state: ServedLicenseState): string {
  // A status word beside a clock warning would read as all-clear; the clock is the news.
  if (
    state.clockSuspect &&
    (state.status === 'active' || state.status === 'grace' || state.status === 'limited')
  )
    return 'clock problem'
  switch (state.status) {
    case 'grace':
      return 'grace period'
    case 'limited':
      return 'limited mode'
    case 'unleased':
      if (state.floating?.allInUse) return 'all in use'
      return state.floating?.returnPending ? 'given back' : 'no license held'
    case 'active':
      return state.floating?.held === 'borrow' ? 'borrowed' : 'active'
    default:
      return state.status
  }
}

/** The status chip while there is no state: starting, or why the service is not there. */
export function startingLabel(problem: ServiceProblem | null): string {
  if (problem === 'unsupported' || problem === 'refused') return 'no license service'
  if (problem === 'silent') return 'not started'
  return 'starting'
}
