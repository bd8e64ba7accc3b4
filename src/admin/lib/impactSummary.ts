import type { ImpactReport } from '../../core/index.ts'

const LATER = [
  ['in1d', '1 day'],
  ['in7d', '7 days'],
  ['in30d', '30 days'],
] as const

/**
 * The headline of a dry run. Green only when no device loses anything, now or offline for up to
 * 30 days: a change that spares everyone today can still cut the offline window of many, and the
 * vendor must not read that as safe.
 */
export function impactSummary(impact: ImpactReport): { tone: 'ok' | 'warn'; text: string } {
  const devices = (count: number) => `${count} ${count === 1 ? 'device' : 'devices'}`
  if (impact.lockouts > 0) {
    const they = impact.lockouts === 1 ? 'it has' : 'they have'
    return {
      tone: 'warn',
      text: `${devices(impact.lockouts)} in good standing would lose a feature ${they} now.`,
    }
  }
  const later = LATER.filter(([horizon]) => impact.devicesLosing[horizon] > 0)
  const first = later[0]
  if (!first) {
    return {
      tone: 'ok',
      text: 'No device in good standing would lose a feature, now or offline for up to 30 days.',
    }
  }
  const counts = later.map(
    ([horizon, span]) => `${devices(impact.devicesLosing[horizon])} after ${span}`,
  )
  return {
    tone: 'warn',
    text: `No device loses a feature now, but devices that stay offline would lose one sooner: ${counts.join(', ')}.`,
  }
}
