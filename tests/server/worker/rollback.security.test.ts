import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SealedRecord } from '../../../sw/store/LeewayDb.ts'
import { seal, unseal } from '../../../sw/store/sealing.ts'
import { startWorkerHarness } from './workerHarness.ts'
import type { WorkerHarness } from './workerHarness.ts'

// Someone with the browser's storage in hand (devtools, a copy of the profile's files) writes old
// records of the worker's database back, or deletes some, then lets the worker start again.

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

async function revoke(licenseId: string): Promise<void> {
  const answer = await h.app.request(`/admin/v1/licenses/${licenseId}/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.data.adminToken}` },
  })
  expect(answer.status).toBe(200)
}

/** A sealed record of the worker's database, as a copy taken of it. */
async function copyRecord(name: string): Promise<SealedRecord> {
  const record = await (await h.database()).get('records', name)
  if (!record) throw new Error(`no record ${name}`)
  return record
}

async function writeBack(...records: SealedRecord[]): Promise<void> {
  const db = await h.database()
  for (const record of records) await db.put('records', record)
}

function validations(): number {
  return h.exchanges.filter((exchange) => exchange.path === '/api/v1/validate').length
}

/** Runs what a worker start runs (the re-check decision, and the re-check if it makes one): checked? */
async function startChecks(): Promise<boolean> {
  const before = validations()
  await h.worker.recheckIfDue() // resolves once the re-check it started, if any, has ended
  return validations() > before
}

describe('a grant record written back from before a revocation', () => {
  it('Should not undo the revocation - the revocation recorded holds, and a check at start confirms it', async () => {
    const license = await h.activated()
    const beforeRevocation = await copyRecord('grant:notes')
    await revoke(license.id)
    await h.worker.recheck()
    expect((await h.state()).status).toBe('revoked')

    await writeBack(beforeRevocation)
    h.restart()
    const rolledBack = await h.state()
    expect(rolledBack.status).toBe('revoked')
    expect(rolledBack.problem).toBe('grant_rolled_back')
    expect(rolledBack.features).toMatchObject({ 'notes.edit': false, 'export.file': true })

    expect(await startChecks()).toBe(true)
    const confirmed = await h.state()
    expect(confirmed.status).toBe('revoked')
    expect(confirmed.problem).toBeNull()
  })
})

describe('an older grant record written back over a newer one', () => {
  it('Should not be taken for the newest - window features pause until the check at start', async () => {
    await h.activated()
    const older = await copyRecord('grant:notes')
    h.advance(13 * HOUR)
    await h.worker.recheck()

    await writeBack(older)
    h.restart()
    const rolledBack = await h.state()
    expect(rolledBack.status).toBe('active')
    expect(rolledBack.clockSuspect).toBe(true)
    expect(rolledBack.problem).toBe('grant_rolled_back')
    expect(rolledBack.reasons.templates).toBe('clock_suspect')
    expect(rolledBack.features['notes.edit']).toBe(true)

    expect(await startChecks()).toBe(true)
    const fresh = await h.state()
    expect(fresh.clockSuspect).toBe(false)
    expect(fresh.problem).toBeNull()
    expect(fresh.features.templates).toBe(true)
  })
})

describe('the high-water record deleted with the clock set back', () => {
  it('Should not forget the clock guard - the state is clock-suspect until the server’s time is back', async () => {
    await h.activated()
    h.advance(3 * DAY)
    await h.state() // the device sees the later time, and keeps it
    h.clocks.device -= 3 * DAY // the user sets the clock back…
    expect((await h.state()).clockSuspect).toBe(true)

    // …and deletes what the clock guard remembers, sealed or not.
    const db = await h.database()
    await db.delete('records', 'check-hw')
    await db.delete('meta', 'lastSeen')
    h.restart()
    const forgotten = await h.state()
    expect(forgotten.clockSuspect).toBe(true)
    expect(forgotten.problem).toBe('last_seen_missing')
    expect(forgotten.reasons.templates).toBe('clock_suspect')
    expect(forgotten.features['notes.edit']).toBe(true)

    // The check at start gets the server's signed time: the clock really is 3 days behind it.
    expect(await startChecks()).toBe(true)
    const checked = await h.state()
    expect(checked.problem).toBeNull()
    expect(checked.clockSuspect).toBe(true)
    expect(checked.features.templates).toBe(false)
  })
})

describe('the whole store written back at once (grant and high-water record together)', () => {
  it('Should not outlive the next worker start online - the check at start brings the revocation back', async () => {
    const license = await h.activated()
    const snapshot = [await copyRecord('grant:notes'), await copyRecord('check-hw')]
    h.advance(11 * MINUTE)
    await revoke(license.id)
    await h.worker.recheck()

    await writeBack(...snapshot)
    h.restart()
    // The records agree with each other: nothing on the device can tell them from the newest.
    expect((await h.state()).status).toBe('active')
    expect(await startChecks()).toBe(true)
    expect((await h.state()).status).toBe('revoked')
  })
})

describe('a worker the browser restarts again and again', () => {
  it('Should not check at every start - only once the last successful check is 10 minutes old', async () => {
    await h.activated()
    h.restart()
    expect(await startChecks()).toBe(false)
    h.advance(9 * MINUTE)
    h.restart()
    expect(await startChecks()).toBe(false)
    h.advance(2 * MINUTE)
    h.restart()
    expect(await startChecks()).toBe(true)
    h.restart()
    expect(await startChecks()).toBe(false)
    expect(validations()).toBe(1)
  })
})

describe('an install from before the high-water record (the app update that brings it)', () => {
  it('Should not suspect the store - the grant stays, and the unsealed lastSeen is moved in, sealed', async () => {
    await h.activated()
    // The records as the previous version wrote them: the grant sealed without a format marker,
    // lastSeen unsealed in meta, no high-water record. This lastSeen is an hour ahead of the clock.
    const db = await h.database()
    const sealing = await db.get('keys', 'sealing')
    if (!sealing || !(sealing.key instanceof CryptoKey)) throw new Error('no sealing key')
    const opened = (await unseal(sealing.key, 'grant:notes', await copyRecord('grant:notes'))) as {
      grant: string
      certs: string[]
    }
    const legacy = await seal(sealing.key, 'grant:notes', {
      grant: opened.grant,
      certs: opened.certs,
    })
    await db.put('records', { name: 'grant:notes', ...legacy })
    await db.delete('records', 'check-hw')
    await db.put('meta', { name: 'lastSeen', value: h.clocks.device + HOUR })

    h.restart()
    const migrated = await h.state()
    expect(migrated.status).toBe('active')
    expect(migrated.problem).toBeNull()
    expect(migrated.clockSuspect).toBe(true) // the lastSeen kept its meaning
    expect(await (await h.database()).get('meta', 'lastSeen')).toBeUndefined()

    // Next start: the sealed record vouches for the grant, and still holds that lastSeen.
    h.restart()
    const again = await h.state()
    expect(again.problem).toBeNull()
    expect(again.clockSuspect).toBe(true)
    expect(h.exchanges.filter((exchange) => exchange.path === '/api/v1/activate')).toHaveLength(1)
  })
})
