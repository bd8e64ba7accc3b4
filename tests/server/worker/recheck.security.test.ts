import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../../server/services.ts'
import { jsonAnswer, startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

let h: WorkerHarness

beforeEach(async () => {
  h = await startWorkerHarness()
})

afterEach(async () => {
  await h.close()
})

describe('an old validate answer replayed after the clock is set back', () => {
  it('does not clear the clock guard: only an answer bound to this request may lower lastSeen', async () => {
    await h.activated()
    h.advance(13 * HOUR)
    await h.worker.recheck()
    const captured = h.exchanges.at(-1)
    expect(captured?.path).toBe('/api/v1/validate')
    expect((await h.state()).clockSuspect).toBe(false)

    h.advance(3 * DAY)
    await h.state() // the device sees the later time
    h.clocks.device -= 3 * DAY // the user sets the clock back to when the answer was captured
    expect((await h.state()).clockSuspect).toBe(true)

    h.intercept(async () => jsonAnswer(JSON.parse(captured?.response ?? '{}')))
    await h.worker.recheck()
    const after = await h.state()
    expect(after.clockSuspect).toBe(true)
    expect(after.features.templates).toBe(false)
  })

  it('is cleared by a fresh answer from the server, which carries this request’s nonce', async () => {
    await h.activated()
    h.clocks.device += 2 * DAY // a clock set ahead…
    await h.state()
    h.clocks.device -= 2 * DAY // …then corrected
    expect((await h.state()).clockSuspect).toBe(true)
    await h.worker.recheck()
    expect((await h.state()).clockSuspect).toBe(false)
  })
})

describe('a device clock ten minutes behind the server', () => {
  it('learns the offset from the refused proof and re-checks with it at once', async () => {
    await h.activated()
    h.advance(13 * HOUR)
    h.clocks.device -= 10 * MINUTE
    await h.worker.recheck()
    const state = await h.state()
    expect(state.connectivity).toBe('online')
    expect(state.lastCheckError).toBeNull()
    const validations = h.exchanges.filter((exchange) => exchange.path === '/api/v1/validate')
    expect(validations.map((exchange) => exchange.response.includes('"ok":true'))).toEqual([
      false,
      true,
    ])
  })
})

describe('answers that did not come from the license server', () => {
  it('an empty 200 result list is interference, never "online"', async () => {
    await h.activated()
    h.intercept(async () => jsonAnswer({ results: [], certs: [] }))
    await h.worker.recheck()
    expect((await h.state()).connectivity).toBe('interference')
  })

  it('a Retry-After on a login page does not silence "Check now"', async () => {
    await h.activated()
    h.intercept(
      async () =>
        new Response('<html>Sign in</html>', {
          status: 200,
          headers: { 'content-type': 'text/html', 'retry-after': '3600' },
        }),
    )
    await h.worker.recheck()
    expect((await h.state()).connectivity).toBe('interference')
    h.intercept(null)
    h.advance(2_000)
    await h.worker.recheck()
    expect((await h.state()).connectivity).toBe('online')
  })

  it('a refusal of every check backs off instead of retrying on each state call', async () => {
    await h.activated()
    h.intercept(async () =>
      jsonAnswer({
        results: [{ ok: false, error: { code: 'grant_invalid', message: 'no' } }],
        certs: [],
        serverTime: h.clocks.server,
      }),
    )
    await h.worker.recheck()
    const state = await h.state()
    expect(state.lastCheckError?.code).toBe('grant_invalid')
    expect(state.retryAt).not.toBeNull()
    expect(state.retryAt ?? 0).toBeGreaterThan(h.clocks.device)
    const before = h.exchanges.length
    expect(await h.worker.recheckIfDue()).toBeUndefined()
    expect(h.exchanges.length).toBe(before)
  })
})

describe('a queued deactivation', () => {
  it('stays queued when the answer is not signed by the server, and completes later', async () => {
    const license = await h.activated()
    h.intercept(async (path, _body, forward) =>
      path.endsWith('/deactivate') ? jsonAnswer({ grant: 'garbage', certs: [] }) : forward(),
    )
    const queued = await h.worker.deactivate()
    expect(queued.ok && queued.queued).toBe(true)
    expect((await h.state()).pendingDeactivation).toBe(true)
    expect((await h.data.store.listDevices(license.id)).map((device) => device.state)).toEqual([
      'active',
    ])

    h.intercept(null)
    await h.worker.replayQueue()
    expect((await h.state()).pendingDeactivation).toBe(false)
    expect((await h.state()).revocationReason).toBe('deactivated')
    expect((await h.data.store.listDevices(license.id)).map((device) => device.state)).toEqual([
      'released',
    ])
  })
})

describe('importing a license file older than the license on the device', () => {
  it('is refused with older_license and changes nothing', async () => {
    const license = await h.createLicense({ recheckEvery: null })
    const licenseFile = await h.licenseFile(license.key)
    expect((await h.worker.importLicenseFile(licenseFile)).ok).toBe(true)
    h.advance(HOUR)
    await h.worker.recheck()
    const newer = await h.state()

    const again = await h.worker.importLicenseFile(licenseFile)
    expect(again).toMatchObject({ ok: false, status: 409, code: 'older_license' })
    expect((await h.state()).verifiedAt).toBe(newer.verifiedAt)
  })
})

describe('direct answers replayed by the network', () => {
  it('an old activation answer sent back for a new activation is interference', async () => {
    const license = await h.createLicense()
    expect((await h.worker.activate(license.key, 'Test device')).ok).toBe(true)
    const captured = h.exchanges.at(-1)?.response ?? '{}'
    h.intercept(async () => jsonAnswer(JSON.parse(captured)))
    h.advance(DAY)
    const again = await h.worker.activate(license.key, 'Test device')
    expect(again).toMatchObject({ ok: false, code: 'interference' })
  })

  it('a deactivation answered with an old recorded grant stays queued', async () => {
    const license = await h.activated()
    const captured = h.exchanges.at(-1)?.response ?? '{}'
    h.intercept(async (path, _body, forward) =>
      path.endsWith('/deactivate') ? jsonAnswer(JSON.parse(captured)) : forward(),
    )
    await h.worker.deactivate()
    expect((await h.state()).pendingDeactivation).toBe(true)
    expect((await h.data.store.listDevices(license.id)).map((device) => device.state)).toEqual([
      'active',
    ])
  })
})

describe('a clock offset learned while the device clock was wrong', () => {
  it('is unlearned once the user corrects the clock', async () => {
    await h.activated()
    h.advance(13 * HOUR)
    h.clocks.device -= 10 * MINUTE
    await h.worker.recheck()
    expect((await h.state()).lastCheckError).toBeNull()

    h.clocks.device += 10 * MINUTE // corrected
    h.advance(13 * HOUR)
    await h.worker.recheck()
    const state = await h.state()
    expect(state.connectivity).toBe('online')
    expect(state.lastCheckError).toBeNull()
    expect(state.verifiedAt).toBe(Math.floor(h.clocks.server / 1000) * 1000)
  })
})

describe('a device of a revoked license that stays online', () => {
  it('keeps critical features until keepCritical after the revocation, however often it re-checks', async () => {
    const license = await h.activated()
    const revokedAt = h.clocks.server
    await h.app.request(`/admin/v1/licenses/${license.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.data.adminToken}` },
    })
    for (let day = 0; day < 20; day += 2) {
      h.advance(2 * DAY)
      await h.worker.recheck()
    }
    const state = await h.state()
    expect(state.status).toBe('revoked')
    expect(state.criticalUntil).toBe(Math.floor(revokedAt / 1000) * 1000 + 14 * DAY)
    expect(state.features['export.file']).toBe(false)
  })
})

describe('a clock once set years ahead, past the signing certificate’s expiry', () => {
  it('does not stop a fresh activation from being accepted', async () => {
    const license = await h.createLicense()
    h.clocks.device += 6 * 365 * DAY
    await h.state() // lastSeen is now six years ahead
    h.clocks.device -= 6 * 365 * DAY
    const result = await h.worker.activate(license.key, 'Test device')
    expect(result.ok).toBe(true)
    const state = await h.state()
    expect(state.status).toBe('active')
    expect(state.clockSuspect).toBe(false)
  })
})

describe('a deactivation queued while offline', () => {
  it('is sent after the next successful re-check, even with no sync or online event', async () => {
    const license = await h.activated()
    h.intercept(async () => {
      throw new TypeError('Failed to fetch')
    })
    const queued = await h.worker.deactivate()
    expect(queued.ok && queued.queued).toBe(true)

    h.intercept(null)
    await h.worker.recheck()
    expect((await h.state()).pendingDeactivation).toBe(false)
    expect((await h.data.store.listDevices(license.id)).map((device) => device.state)).toEqual([
      'released',
    ])
  })
})

describe('a device over its check-in limit (#11, item 8d)', () => {
  it('keeps its grant and features, shows why, and checks in again once the server allows it', async () => {
    await h.activated()
    const limit = DEFAULT_LIMITS.checkInsPerDevice.capacity
    for (let i = 0; i < limit; i++) await h.worker.recheck()
    expect((await h.state()).lastCheckError).toBeNull()

    await h.worker.recheck()
    const limited = await h.state()
    expect(limited.status).toBe('active')
    expect(limited.features.templates).toBe(true)
    expect(limited.lastCheckError?.code).toBe('rate_limited')

    h.advance(MINUTE)
    await h.worker.recheck()
    expect((await h.state()).lastCheckError).toBeNull()
  })
})
