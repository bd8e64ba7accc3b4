import { describe, expect, it } from 'vitest'
import { impactSummary } from '../../src/admin/lib/impactSummary.ts'
import type { ImpactReport } from '../../src/core/index.ts'

const report = (devicesLosing: ImpactReport['devicesLosing']): ImpactReport => ({
  currentVersion: 3,
  devicesConsidered: 40,
  features: [],
  lockouts: devicesLosing.now,
  devicesLosing,
})

describe('the headline of a dry run', () => {
  it('is green only when nobody loses anything, now or offline for up to 30 days', () => {
    expect(impactSummary(report({ now: 0, in1d: 0, in7d: 0, in30d: 0 }))).toEqual({
      tone: 'ok',
      text: 'No device in good standing would lose a feature, now or offline for up to 30 days.',
    })
  })

  it('warns when devices would lose features only later offline, and says when', () => {
    const summary = impactSummary(report({ now: 0, in1d: 0, in7d: 12, in30d: 1 }))
    expect(summary.tone).toBe('warn')
    expect(summary.text).toBe(
      'No device loses a feature now, but devices that stay offline would lose one sooner: 12 devices after 7 days, 1 device after 30 days.',
    )
  })

  it('leads with the devices that lose a feature now', () => {
    const summary = impactSummary(report({ now: 1, in1d: 3, in7d: 3, in30d: 3 }))
    expect(summary).toEqual({
      tone: 'warn',
      text: '1 device in good standing would lose a feature it has now.',
    })
  })
})
