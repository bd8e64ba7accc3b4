import { describe, expect, it } from 'vitest'
import { formatDay, formatLeft, formatMoment } from '../../src/app/lib/format.ts'
import { gate } from '../../src/app/lib/features.ts'
import { startingMessage, statusLabel, statusMessage } from '../../src/app/lib/statusMessage.ts'
import { evaluate } from '../../src/core/index.ts'
import type { EvaluateInput, GrantClaims, ServedLicenseState } from '../../src/core/index.ts'
import { DAY, HOUR, ISSUED_AT, MINUTE, SECOND, demoGrant } from './support/demo.ts'

// The status line's words, from states the real evaluator gives for the demo policy (pro plan:
// notes and search `always`, export (critical) and templates `window`, sharing `online`).

function served(input: Partial<EvaluateInput> & { grant: GrantClaims | null; now: number }) {
  const state: ServedLicenseState = {
    ...evaluate({ lastSeen: input.now, connectivity: 'offline', ...input }),
    pendingDeactivation: false,
    lastCheckAt: null,
    lastCheckError: null,
    retryAt: null,
    keyId: null,
  }
  return state
}

const until = (ms: number, now: number) => `until ${formatMoment(ms, now)} (${formatLeft(ms, now)})`
const GRACE_ENDS_AT = ISSUED_AT + 8 * DAY

describe('active and offline', () => {
  it('names what waits for a connection, what has a date and what has none', () => {
    const now = ISSUED_AT + HOUR
    const message = statusMessage(served({ grant: demoGrant(), now }), now)
    expect(message.text).toBe(
      `You're offline. Sharing waits for a connection. Export and templates keep working ${until(GRACE_ENDS_AT, now)}; writing notes and search have no time limit.`,
    )
    expect(message.text).not.toContain('Everything but')
  })

  it('on a plan without window or online features, says only that everything keeps working', () => {
    const now = ISSUED_AT + HOUR
    const message = statusMessage(served({ grant: demoGrant({ plan: 'free' }), now }), now)
    expect(message.text).toBe("You're offline. Writing notes and search keep working offline.")
  })
})

describe('grace', () => {
  it('names the features that keep working until the end of grace, and the one that waits', () => {
    const now = ISSUED_AT + 2 * DAY
    const message = statusMessage(served({ grant: demoGrant(), now }), now)
    expect(message.tone).toBe('warn')
    expect(message.text).toBe(
      `You're offline. Export and templates keep working ${until(GRACE_ENDS_AT, now)}. Sharing waits for a connection. Connect to the internet to extend.`,
    )
    expect(message.text).not.toContain('Premium')
  })

  it('names them with the server failing too', () => {
    const now = ISSUED_AT + 2 * DAY
    const state = served({ grant: demoGrant(), now, connectivity: 'server-error' })
    expect(statusMessage(state, now).text).toContain(
      `Export and templates keep working ${until(GRACE_ENDS_AT, now)}.`,
    )
  })
})

describe('limited', () => {
  it('names what is paused and what still works', () => {
    const now = ISSUED_AT + 9 * DAY
    const message = statusMessage(served({ grant: demoGrant(), now }), now)
    expect(message.text).toBe(
      "Export, templates and sharing are paused because this device hasn't been online for 9 days. Writing notes and search still work. Connect to restore them.",
    )
  })
})

describe('clock set in the past', () => {
  const now = ISSUED_AT + HOUR
  const suspect = { grant: demoGrant(), now, lastSeen: now + 10 * MINUTE }

  it('says clock, not the status, in the chip', () => {
    expect(statusLabel(served(suspect))).toBe('clock problem')
  })

  it('offline: names what is paused, asks to correct the clock or connect, and gives no date', () => {
    const message = statusMessage(served(suspect), now)
    expect(message.tone).toBe('warn')
    expect(message.text).toBe(
      'Your device clock seems to be set in the past, so export, templates and sharing are paused. Correct it, or connect to the internet so Leeway Notes can check it.',
    )
    expect(message.text).not.toContain('until')
  })

  it('online: no advice to connect; names “Check now”', () => {
    const message = statusMessage(served({ ...suspect, connectivity: 'online' }), now)
    expect(message.text).toBe(
      'Your device clock seems to be set in the past, so export, templates and sharing are paused. Correct its date and time, then choose “Check now” in the license panel.',
    )
    expect(message.text).not.toMatch(/connect to/i)
  })
})

describe('expired', () => {
  it('keeps search and export for keepCritical and says until when', () => {
    const grant = demoGrant({
      exp: (ISSUED_AT + 3 * DAY) / SECOND,
      pol: { ...demoGrant().pol, critical: ['export.file', 'notes.search'] },
    })
    const now = ISSUED_AT + 4 * DAY
    const state = served({ grant, now })
    expect(statusMessage(state, now).text).toBe(
      `Your license ended on ${formatDay(ISSUED_AT + 3 * DAY, now)}. Your notes are still here to read. Search and export keep working until ${formatDay(ISSUED_AT + 17 * DAY, now)}, so you can take your notes with you. Renew your subscription, then check again.`,
    )
    expect(gate(state, 'export.file').allowed).toBe(true)
    expect(gate(state, 'notes.search').allowed).toBe(true)
    expect(gate(state, 'notes.edit').allowed).toBe(false)
  })
})

describe('this device deactivated or removed', () => {
  it.each([
    ['deactivated', 'This device was deactivated today and its seat is free.'],
    ['device_removed', 'This device was removed from the license today.'],
  ])('%s: a neutral state of its own with one step, activate again', (rsn, opening) => {
    const now = ISSUED_AT + HOUR
    const grant = demoGrant({ status: 'revoked', rsn, iat: now / SECOND, rvk: now / SECOND })
    const state = served({ grant, now })
    const message = statusMessage(state, now)
    expect(statusLabel(state)).toBe('deactivated')
    expect(message.tone).toBe('info')
    expect(message.text).toBe(
      `${opening} Your notes are still here to read. Activate again to keep writing here.`,
    )
    expect(message.text).not.toContain('revoked')
    expect(state.remediation.map((step) => step.code)).toEqual(['activate'])
  })
})

describe('no license service', () => {
  it.each([['unsupported'], ['refused']] as const)(
    '%s: says why, and notes stay writable with every licensed extra off',
    (problem) => {
      const message = startingMessage(problem)
      expect(message.tone).toBe('warn')
      expect(message.text).toContain('private window')
      expect(gate(null, 'notes.edit', problem).allowed).toBe(true)
      for (const feature of ['notes.search', 'export.file', 'templates', 'share.link'] as const)
        expect(gate(null, feature, problem).allowed).toBe(false)
    },
  )

  it('silent: asks to reload; notes stay read-only, since the state may yet come', () => {
    expect(startingMessage('silent').text).toContain('Reload the page')
    expect(gate(null, 'notes.edit', 'silent').allowed).toBe(false)
  })
})

describe('a floating license (#15)', () => {
  const flt = { max: 3, lease: 15 * 60, borrow: 7 * 86_400 }
  const leased = demoGrant({ flt, lse: 'lease', exp: (ISSUED_AT + 15 * MINUTE) / SECOND })

  it('all in use: says how many, until when at the latest, and what still works', () => {
    const now = ISSUED_AT + 30 * MINUTE
    const nextFreeAt = ISSUED_AT + 40 * MINUTE
    const state = served({
      grant: leased,
      now,
      connectivity: 'online',
      lease: { allInUse: { nextFreeAt, waitingAhead: 0 } },
    })
    expect(statusLabel(state)).toBe('all in use')
    const message = statusMessage(state, now)
    expect(message.tone).toBe('warn')
    expect(message.text).toMatch(
      /^All 3 licenses are in use; one frees up when someone closes the app, at the latest at .+\. You're next in line: keep the app open to keep your place\. Your notes are still here to read\. Export keeps working until .+, so you can take your notes with you\.$/,
    )
  })

  it('all in use with others in line first: says how many', () => {
    const now = ISSUED_AT + 30 * MINUTE
    const state = served({
      grant: leased,
      now,
      connectivity: 'online',
      lease: { allInUse: { nextFreeAt: now + MINUTE, waitingAhead: 2 } },
    })
    expect(statusMessage(state, now).text).toContain(
      '2 people are ahead of you in line; keep the app open to keep your place.',
    )
  })

  it('offline without a lease: says the licenses are shared and how to get one', () => {
    const now = ISSUED_AT + 30 * MINUTE
    const state = served({ grant: leased, now })
    expect(statusLabel(state)).toBe('no license held')
    expect(statusMessage(state, now).text).toContain(
      'Your team shares 3 licenses, and this device holds none while it cannot reach the license server.',
    )
  })

  it('borrowed: the chip says so, and the line names the end and how to give it back', () => {
    const now = ISSUED_AT + HOUR
    const borrowEnd = ISSUED_AT + 3 * DAY
    const state = served({ grant: { ...leased, lse: 'borrow', exp: borrowEnd / SECOND }, now })
    expect(statusLabel(state)).toBe('borrowed')
    expect(statusMessage(state, now).detail).toBe(
      `This device has borrowed one of your team's 3 licenses until ${formatMoment(borrowEnd, now)}: everything works offline until then. Give it back early in the license panel.`,
    )
  })

  it('given back offline: says the team gets it at the next connection', () => {
    const now = ISSUED_AT + DAY
    const borrowed = { ...leased, lse: 'borrow' as const, exp: (ISSUED_AT + 3 * DAY) / SECOND }
    const state = served({ grant: borrowed, now, lease: { borrowReturnedAt: now } })
    expect(statusLabel(state)).toBe('given back')
    expect(statusMessage(state, now).text).toContain(
      'You gave the borrowed license back; your team gets it as soon as this device is online.',
    )
  })
})
