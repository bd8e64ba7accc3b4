import type { Kysely } from 'kysely'
import type { Database } from '../schema.ts'

// Secrets and settings at rest: written once, read at start, resealed when the KEK changes.

export async function resealSigningKey(
  db: Kysely<Database>,
  kid: string,
  from: string,
  to: string,
): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ private_jwk: to })
    .where('kid', '=', kid)
    .where('private_jwk', '=', from)
    .execute()
}

export async function resealSetting(
  db: Kysely<Database>,
  key: string,
  from: string,
  to: string,
): Promise<void> {
  await db
    .updateTable('settings')
    .set({ value: to })
    .where('key', '=', key)
    .where('value', '=', from)
    .execute()
}

export async function getSetting(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst()
  return row?.value
}

export async function initSetting(
  db: Kysely<Database>,
  key: string,
  value: string,
): Promise<string> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
  const stored = await getSetting(db, key)
  if (stored === undefined) throw new Error(`setting ${key} could not be stored`)
  return stored
}
