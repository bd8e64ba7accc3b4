import 'fake-indexeddb/auto'
import { SCHEMA, openLeewayDb } from '../../../sw/store/LeewayDb.ts'
import type { LeewayDb, SchemaVersion } from '../../../sw/store/LeewayDb.ts'
import { LicenseStore } from '../../../sw/store/LicenseStore.ts'

// The worker's store on fake-indexeddb for the store suites: each database is opened under a
// fresh name and closed after its test (`afterEach(closeOpenedStores)`).

const opened: LeewayDb[] = []
let counter = 0

/** A database name no other test of this run uses. */
export const freshName = (prefix = 'leeway-test') => `${prefix}-${++counter}`

/** The worker's store over the database `name`, at `schema`. */
export function openStore(name: string, schema: readonly SchemaVersion[] = SCHEMA): LicenseStore {
  const db = openLeewayDb(name, schema)
  opened.push(db)
  return new LicenseStore(db)
}

/** The raw database, to change what the store wrote as someone holding the browser's storage could. */
export function connect(name: string) {
  const db = openLeewayDb(name)
  opened.push(db)
  return db.connection()
}

/** Closes every database the test opened. */
export function closeOpenedStores(): void {
  for (const db of opened.splice(0)) db.close()
}
