import type { ImpactReport } from '../../src/core/index.ts'
import { table } from './table.ts'

/** The impact report as lines a person reads in a terminal or a CI log. */
export function impactReport(impact: ImpactReport, file: string, maxLockouts?: number): string[] {
  const lines = [
    `Impact of ${file} against manifest version ${impact.currentVersion}, over ${plural(impact.devicesConsidered, 'device')} in good standing.`,
  ]
  const losing = impact.features.filter(
    (feature) => feature.now + feature.in1d + feature.in7d + feature.in30d > 0,
  )
  if (losing.length === 0) {
    lines.push('No device would lose a feature, now or offline for up to 30 days.')
  } else {
    lines.push(
      'Devices that would lose a feature they would otherwise have, if they stay offline from their last check:',
      '',
      table(
        ['product', 'feature', 'now', 'in 1 day', 'in 7 days', 'in 30 days'],
        losing.map((f) => [
          f.product,
          f.feature,
          String(f.now),
          String(f.in1d),
          String(f.in7d),
          String(f.in30d),
        ]),
        [false, false, true, true, true, true],
      ),
      '',
    )
  }
  const limit = maxLockouts === undefined ? '' : ` (--max-lockouts ${maxLockouts})`
  const { in1d, in7d, in30d } = impact.devicesLosing
  if (in1d + in7d + in30d > 0) {
    lines.push(
      `Offline: ${plural(in1d, 'device')} would lose a feature after 1 day, ${in7d} after 7 days, ${in30d} after 30 days.`,
    )
  }
  lines.push(
    `Lockouts: ${plural(impact.lockouts, 'device')} would lose a feature ${impact.lockouts === 1 ? 'it has' : 'they have'} now${limit}.`,
  )
  return lines
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
