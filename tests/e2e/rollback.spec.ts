import type { Page } from '@playwright/test'
import { expectGated, restartWorker, setLastSeen, licensedApp } from './support/appPage.ts'
import { expect, test, validateCalls } from './support/fixtures.ts'

// Someone with the browser's storage in hand writes old records of the worker's database back, or
// deletes some, then lets the worker start again (#11, item 7). The database is changed from the
// app's origin with raw IndexedDB, as devtools or a copy of the profile's files would.

/** A sealed record of the worker's database, copied out of the browser (bytes as numbers). */
interface CopiedRecord {
  name: string
  iv: number[]
  data: number[]
}

async function copyRecord(page: Page, name: string): Promise<CopiedRecord> {
  return page.evaluate(async (name) => {
    // The worker made the database at activation: opening it here cannot create an empty one.
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('leeway')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const record = await new Promise<{ iv: Uint8Array; data: ArrayBuffer } | undefined>(
      (resolve, reject) => {
        const request = db.transaction('records').objectStore('records').get(name)
        request.onsuccess = () => resolve(request.result as { iv: Uint8Array; data: ArrayBuffer })
        request.onerror = () => reject(request.error)
      },
    )
    db.close()
    if (!record) throw new Error(`no record ${name}`)
    return { name, iv: Array.from(record.iv), data: Array.from(new Uint8Array(record.data)) }
  }, name)
}

/** Writes records back, and deletes others (`[store, key]`), in one transaction. */
async function changeRecords(
  page: Page,
  change: { put?: CopiedRecord[]; remove?: [string, string][] },
): Promise<void> {
  await page.evaluate(async ({ put = [], remove = [] }) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('leeway')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(['records', 'meta'], 'readwrite')
      for (const record of put) {
        tx.objectStore('records').put({
          name: record.name,
          iv: new Uint8Array(record.iv),
          data: new Uint8Array(record.data).buffer,
        })
      }
      for (const [store, key] of remove) tx.objectStore(store).delete(key)
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
    })
    db.close()
  }, change)
}

test.describe('client data-only rollbacks', () => {
  test('Should not undo a revocation - the grant record from before it, written back, leaves the device revoked; a check at start confirms it', async ({
    app,
    admin,
    context,
    faults,
    page,
  }) => {
    const { id } = await licensedApp(app, admin)
    const beforeRevocation = await copyRecord(page, 'grant:notes')
    await admin.post(`/licenses/${id}/revoke`, { reason: 'chargeback' })
    expect((await app.call('/_license/recheck', {})).body.status).toBe('revoked')

    await changeRecords(page, { put: [beforeRevocation] })
    const checksBefore = validateCalls(faults).length
    await restartWorker(page, context)
    expect((await app.state()).status).toBe('revoked')
    await expect(page.getByTestId('license-status')).toHaveText('revoked')

    // The new worker checks at once, online, and stores the server's fresh revocation.
    await expect.poll(() => validateCalls(faults).length).toBeGreaterThan(checksBefore)
    const confirmed = await app.waitForState((state) => state.problem === null)
    expect(confirmed.status).toBe('revoked')
    expect(confirmed.revocationReason).toBe('revoked')
  })

  test('Should not forget the clock guard - the high-water record deleted with the clock set back leaves the clock suspect, window features off, until the device is online', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin)
    // Offline, so that no check can put it right (the app re-checks a suspect clock by itself
    // while online), the device once saw a time an hour from now: its clock now reads as set back.
    await context.setOffline(true)
    await setLastSeen(page, context, Date.now() + 60 * 60_000)
    expect((await app.state()).clockSuspect).toBe(true)

    // Then the user deletes what the clock guard remembers.
    await changeRecords(page, {
      remove: [
        ['records', 'check-hw'],
        ['meta', 'lastSeen'],
      ],
    })
    await restartWorker(page, context)
    const forgotten = await app.state()
    expect(forgotten.clockSuspect).toBe(true)
    expect(forgotten.problem).toBe('last_seen_missing')
    expect(forgotten.reasons.templates).toBe('clock_suspect')
    expect(forgotten.features['notes.edit']).toBe(true)
    await expectGated(
      page.getByRole('button', { name: 'From template' }),
      'Paused because your device clock looks wrong. Correct it or connect.',
    )

    // Online again, one check with the server's signed time puts the clock guard back.
    await context.setOffline(false)
    const checked = await app.waitForState((state) => state.problem === null && !state.clockSuspect)
    expect(checked.features.templates).toBe(true)
  })
})
