import { describe, expect, it } from 'vitest'
import { checkNowOutcome } from '../../src/app/lib/checkNowOutcome.ts'
import { formatTime } from '../../src/app/lib/format.ts'
import type { Connectivity, ServedLicenseState } from '../../src/core/index.ts'

const NOW = Date.UTC(2026, 11, 5, 12)
const IN_TEN_MINUTES = NOW + 10 * 60_000

function after(
  connectivity: Connectivity,
  more: Partial<ServedLicenseState> = {},
): ServedLicenseState {
  return {
    status: 'active',
    features: {},
    reasons: {},
    connectivity,
    verifiedAt: NOW - 3_600_000,
    nextCheckAt: null,
    graceEndsAt: null,
    termEndsAt: null,
    criticalUntil: null,
    clockSuspect: false,
    license: null,
    remediation: [],
    problem: null,
    revocationReason: null,
    supportUrl: null,
    floating: null,
    pendingDeactivation: false,
    lastCheckAt: NOW,
    lastCheckError: null,
    retryAt: null,
    keyId: null,
    ...more,
  }
}

describe('what "Check now" says', () => {
  it('says offline when offline, even while a backoff puts the next check later', () => {
    const text = checkNowOutcome(after('offline', { retryAt: IN_TEN_MINUTES }), NOW)
    expect(text).toBe(
      "Could not check: you're offline. Nothing changes; it checks again when you reconnect.",
    )
    expect(text).not.toContain('license server')
  })

  it('says when it checks again when the server is busy', () => {
    expect(checkNowOutcome(after('server-error', { retryAt: IN_TEN_MINUTES }), NOW)).toBe(
      `Could not check: the license server is busy. Leeway Notes will check again at ${formatTime(IN_TEN_MINUTES)}.`,
    )
  })

  it('names the vendor’s setup rather than the server’s health for a finding of the worker’s own', () => {
    const text = checkNowOutcome(
      after('server-error', { lastCheckError: { code: 'cors_blocked' }, retryAt: IN_TEN_MINUTES }),
      NOW,
    )
    expect(text).toMatch(/^Could not check\. The license server answered, but does not let/)
  })

  it('says a Wi-Fi sign-in page may be in the way, whatever the backoff', () => {
    expect(checkNowOutcome(after('interference', { retryAt: IN_TEN_MINUTES }), NOW)).toContain(
      'a Wi-Fi sign-in page?',
    )
  })

  it('says the license is up to date after a check that went through', () => {
    expect(checkNowOutcome(after('online'), NOW)).toBe(
      'Checked just now. Your license is up to date.',
    )
  })
})
