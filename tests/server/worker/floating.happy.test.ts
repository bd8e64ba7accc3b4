import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ServedLicenseState } from '../../../src/core/index.ts'
import { jsonAnswer, startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

// A floating license from the worker's side (#15): the lease taken at activation, renewed at half
// its length while the app is open, let go when it is closed, refused when every slot is taken, a
// slot borrowed for offline work and given back offline. The worker's logic on fake-indexeddb
// against the real license server in-process, with both clocks in the test's hands.

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

let harness: WorkerHarness

beforeEach(async () => {
  harness = await startWorkerHarness()
})

afterEach(async () => {
  await harness.close()
})

async function floatingLicense(maxConcurrent = 1) {
  return harness.createLicense({
    seats: 10,
    floating: { maxConcurrent, leaseLength: 'PT10M', maxBorrow: 'P7D' },
  })
}

async function activatedFloating(maxConcurrent = 1) {
  const license = await floatingLicense(maxConcurrent)
  const result = await harness.worker.activate(license.key, 'Laptop')
  if (!result.ok) throw new Error(`activation failed: ${result.code}`)
  return license
}

const leaseCalls = () => harness.exchanges.filter((e) => e.path.endsWith('/lease'))

async function liveLeases(licenseId: string) {
  return harness.data.store.listLiveLeases(licenseId, harness.clocks.server)
}

describe('a lease while the app is open', () => {
  it('is taken at activation and renewed at half its length, not before', async () => {
    const license = await activatedFloating()
    const first = await harness.state()
    expect(first.status).toBe('active')
    expect(first.floating).toMatchObject({
      held: 'lease',
      maxConcurrent: 1,
      leaseLength: 10 * MINUTE,
    })
    expect(first.floating?.endsAt).toBe(harness.clocks.server + 10 * MINUTE)

    harness.advance(4 * MINUTE)
    await harness.worker.recheckIfDue()
    expect(leaseCalls()).toHaveLength(0)

    harness.advance(2 * MINUTE)
    await harness.worker.recheckIfDue()
    expect(leaseCalls()).toHaveLength(1)
    const renewed = await harness.state()
    expect(renewed.floating?.endsAt).toBe(harness.clocks.server + 10 * MINUTE)
    expect(await liveLeases(license.id)).toHaveLength(1)
  })

  it('with the app closed is not renewed, and lapses into its own state, not "expired"', async () => {
    await activatedFloating()
    harness.setWindows([])
    harness.advance(6 * MINUTE)
    await harness.worker.recheckIfDue()
    expect(leaseCalls()).toHaveLength(0)

    harness.advance(5 * MINUTE)
    const lapsed = await harness.state()
    expect(lapsed.status).toBe('unleased')
    expect(lapsed.features['notes.edit']).toBe(false)
    expect(lapsed.floating?.held).toBeNull()

    // Opened again: the first state request's re-check takes a new lease.
    harness.setWindows(['window-2'])
    await harness.worker.recheckIfDue()
    expect(leaseCalls()).toHaveLength(1)
    expect((await harness.state()).status).toBe('active')
  })

  it('goes back to the pool when the last window closes, and stays when another is open', async () => {
    const license = await activatedFloating()
    harness.setWindows(['window-1', 'window-2'])
    await harness.worker.closing('window-1')
    expect(await liveLeases(license.id)).toHaveLength(1)

    harness.setWindows(['window-2'])
    await harness.worker.closing('window-2')
    expect(await liveLeases(license.id)).toHaveLength(0)
    expect((await harness.state()).status).toBe('unleased')
  })
})

describe('when every slot is taken', () => {
  it('says until when at the latest, pauses its own retries, and "Try again" gets the freed slot', async () => {
    const license = await activatedFloating()
    const colleague = harness.peer()
    const refused = await colleague.activate(license.key, 'Colleague')
    expect(refused).toMatchObject({ ok: false, code: 'all_leases_in_use' })

    // The colleague's device is registered by a later activation once a slot is free: first let
    // the laptop's lease lapse, activate the colleague, then bring the laptop back.
    harness.setWindows([])
    harness.advance(11 * MINUTE)
    expect((await colleague.activate(license.key, 'Colleague')).ok).toBe(true)

    harness.setWindows(['window-1'])
    await harness.worker.recheckIfDue()
    const full = await harness.state()
    expect(full.status).toBe('unleased')
    // In line, and next: the server keeps this device's place while the open app keeps asking.
    expect(full.floating?.allInUse).toEqual({
      nextFreeAt: harness.clocks.server + 10 * MINUTE,
      waitingAhead: 0,
    })
    expect(full.remediation.map((step) => step.code)).toEqual(['take_lease'])

    // Within the pause the open app does not ask again by itself.
    const asked = leaseCalls().length
    harness.advance(30_000)
    await harness.worker.recheckIfDue()
    expect(leaseCalls()).toHaveLength(asked)

    // The colleague closes the app; "Try again" takes the slot.
    await colleague.closing('peer')
    const retried = await harness.post('/_license/lease', {})
    expect(retried.status).toBe(200)
    expect((retried.body as ServedLicenseState).floating?.held).toBe('lease')
    expect((retried.body as ServedLicenseState).floating?.allInUse).toBeNull()
  })
})

describe('borrowing for a trip', () => {
  it('works offline to the borrow end, past the re-check window; a return offline stops it here and frees the slot on reconnection', async () => {
    const license = await activatedFloating()
    const until = harness.clocks.server + 3 * DAY
    const borrowed = await harness.post('/_license/borrow', { until })
    expect(borrowed.status).toBe(200)
    expect((borrowed.body as ServedLicenseState).floating).toMatchObject({
      held: 'borrow',
      endsAt: until,
    })

    // On the plane: no network, the app closed and opened again, two days on.
    harness.intercept(async () => {
      throw new TypeError('Failed to fetch')
    })
    harness.advance(2 * DAY)
    await harness.worker.recheckIfDue()
    const away = await harness.state()
    expect(away.status).toBe('active')
    expect(away.features.templates).toBe(true)
    expect(away.features['notes.edit']).toBe(true)

    // Back early: the slot is given back offline; it stops here at once, queued for the server.
    const given = await harness.post('/_license/give-back', {})
    expect(given.status).toBe(202)
    const returned = given.body as ServedLicenseState
    expect(returned.status).toBe('unleased')
    expect(returned.floating?.returnPending).toBe(true)
    expect(await liveLeases(license.id)).toHaveLength(1)

    // A restarted worker still knows it was given back.
    harness.restart()
    expect((await harness.state()).status).toBe('unleased')

    // Reconnected: the return goes first, then the open app takes an ordinary lease.
    harness.intercept(null)
    await harness.worker.replayQueue()
    await harness.worker.recheckIfDue({ reconnected: true })
    const rows = await liveLeases(license.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]?.kind).toBe('lease')
    const back = await harness.state()
    expect(back.floating).toMatchObject({ held: 'lease', returnPending: false })
    const releases = harness.exchanges.filter((e) => e.path.endsWith('/lease/release'))
    expect(releases.map((e) => e.status)).toEqual([200])
  })

  it('borrowing again right after a return given offline sends the return first, so it does not end the new borrow', async () => {
    const license = await activatedFloating()
    await harness.post('/_license/borrow', { until: harness.clocks.server + 2 * DAY })
    harness.intercept(async () => {
      throw new TypeError('Failed to fetch')
    })
    expect((await harness.post('/_license/give-back', {})).status).toBe(202)
    harness.intercept(null)
    const again = await harness.post('/_license/borrow', { until: harness.clocks.server + DAY })
    expect(again.status).toBe(200)
    const paths = harness.exchanges.map((e) => e.path.replace(/^.*\/api\/v1/, ''))
    expect(paths.slice(-2)).toEqual(['/lease/release', '/lease/borrow'])
    const rows = await liveLeases(license.id)
    expect(rows.map((row) => [row.kind, row.ends_at])).toEqual([
      ['borrow', harness.clocks.server + DAY],
    ])
    expect((await harness.state()).floating).toMatchObject({ held: 'borrow', returnPending: false })
  })

  it('a borrow past the longest the license allows is refused and changes nothing', async () => {
    const license = await activatedFloating()
    const tooLong = await harness.post('/_license/borrow', {
      until: harness.clocks.server + 8 * DAY,
    })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body).toMatchObject({ error: { code: 'bad_request' } })
    expect((await liveLeases(license.id))[0]?.kind).toBe('lease')
    expect((await harness.state()).floating?.held).toBe('lease')
  })

  it("an answer that is not our server's installs nothing", async () => {
    await activatedFloating()
    harness.intercept(async () => jsonAnswer({ grant: 'x.y.z', certs: [] }))
    const borrowed = await harness.post('/_license/borrow', {
      until: harness.clocks.server + DAY,
    })
    expect(borrowed.status).toBe(502)
    expect((await harness.state()).floating?.held).toBe('lease')
  })
})
