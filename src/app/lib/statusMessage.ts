import type { ServedLicenseState } from 'leeway/core'
import { planName } from './features.ts'
import { formatDay, formatDuration, formatLeft, formatMoment } from './format.ts'

export type Tone = 'ok' | 'info' | 'warn' | 'error'

/** The status line: one plain-words message for the state, and an optional second sentence. */
export interface StatusMessage {
  tone: Tone
  text: string
  detail: string | null
}

const CLOCK =
  'Your device clock seems to be set in the past. Correct it or connect to the internet.'

/** The one message the status line shows for `state` at `now`. */
export function statusMessage(state: ServedLicenseState, now: number = Date.now()): StatusMessage {
  const detail = state.pendingDeactivation
    ? 'Deactivation of this device is waiting for a connection; it completes as soon as you are online.'
    : null
  const message = (tone: Tone, text: string): StatusMessage => ({ tone, text, detail })
  // "on Tue 3 Dec", or "today".
  const onDay = (ms: number) => {
    const day = formatDay(ms, now)
    return day === 'today' ? day : `on ${day}`
  }
  const until = (ms: number | null) =>
    ms === null ? '' : ` until ${formatMoment(ms, now)} (${formatLeft(ms, now)})`

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
      if (state.clockSuspect) return message('warn', CLOCK)
      const term =
        state.termEndsAt !== null && state.termEndsAt - now < 14 * 86_400_000
          ? ` Your subscription ends ${formatMoment(state.termEndsAt, now)} (${formatLeft(state.termEndsAt, now)}).`
          : ''
      switch (state.connectivity) {
        case 'offline':
          return message(
            'info',
            `You're offline. Everything but sharing keeps working${until(state.graceEndsAt)}.${term}`,
          )
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

    case 'grace':
      if (state.clockSuspect) return message('warn', CLOCK)
      switch (state.connectivity) {
        case 'server-error':
          return message(
            'warn',
            `The license server has not answered since ${formatMoment(state.verifiedAt ?? now, now)}. Premium features keep working${until(state.graceEndsAt)}; Leeway Notes keeps trying by itself.`,
          )
        case 'interference':
          return message(
            'warn',
            `Something on this network is blocking the license check (a Wi-Fi sign-in page?). Premium features keep working${until(state.graceEndsAt)}. Sign in to the network to extend.`,
          )
        case 'online':
          return message(
            'info',
            `Checking your license… Premium features keep working${until(state.graceEndsAt)}.`,
          )
        case 'offline':
          return message(
            'warn',
            `You're offline. Premium features keep working${until(state.graceEndsAt)}. Connect to the internet to extend.`,
          )
      }
      break

    case 'limited': {
      const verifiedAt = state.verifiedAt ?? now
      // "for 8 days", or "since today at 14:05" when it has been less than a day.
      const away =
        now - verifiedAt >= 86_400_000
          ? `for ${formatDuration(now - verifiedAt)}`
          : `since ${formatMoment(verifiedAt, now)}`
      return state.connectivity === 'server-error'
        ? message(
            'error',
            `Premium features are paused because the license server has not confirmed your license ${away}. Your notes and editing still work; Leeway Notes keeps trying by itself.`,
          )
        : message(
            'error',
            `Premium features are paused because this device hasn't been online ${away}. Your notes and editing still work. Connect to restore them.`,
          )
    }

    case 'expired':
      return message(
        'error',
        `Your license ended ${state.termEndsAt === null ? 'recently' : onDay(state.termEndsAt)}. Your notes are still here to read. Renew your subscription, then check again.`,
      )

    case 'suspended':
      return message(
        'error',
        `This license is suspended. Your notes are still here to read${state.features['export.file'] ? ' and export' : ''}. Contact the vendor to restore it.`,
      )

    case 'revoked': {
      const on = state.verifiedAt === null ? '' : ` ${onDay(state.verifiedAt)}`
      const keeps =
        state.criticalUntil !== null && state.criticalUntil > now && state.features['export.file']
      const after = keeps
        ? `You can still export your notes until ${formatDay(state.criticalUntil ?? now, now)}.`
        : 'Your notes are still here to read.'
      if (state.revocationReason === 'deactivated')
        return message(
          'error',
          `This device was deactivated${on} and its seat is free. ${after} Activate again to keep writing.`,
        )
      if (state.revocationReason === 'device_removed')
        return message(
          'error',
          `This device was removed from the license${on}. ${after} Activate again if you still have a seat.`,
        )
      return message('error', `This license was revoked${on}. ${after}`)
    }
  }
  return message('info', 'Checking your license…')
}

/** The status word in the status chip; lower case, so it reads as the state's name. */
export function statusLabel(state: ServedLicenseState): string {
  switch (state.status) {
    case 'grace':
      return 'grace period'
    case 'limited':
      return 'limited mode'
    default:
      return state.status
  }
}
