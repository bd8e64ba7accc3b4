import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Backend } from '../KyselyStore.ts'
import type { Database } from '../schema.ts'
import type { ShareOutcome, ShareQuota, ShareRow } from '../Store.ts'
import { lockLicense } from './seats.ts'

// Shared notes: created within a license's quota, read by id, swept once past their time.

export async function insertShareWithinQuota(
  db: Kysely<Database>,
  backend: Backend,
  row: ShareRow,
  quota: ShareQuota,
): Promise<ShareOutcome> {
  return db.transaction().execute(async (trx) => {
    // Concurrent creates of one license queue here, each counting after the one before inserted.
    await lockLicense(trx, backend, row.license_id)
    await trx
      .deleteFrom('shares')
      .where('license_id', '=', row.license_id)
      .where('expires_at', '<=', row.created_at)
      .execute()
    const live = await trx
      .selectFrom('shares')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('shares'),
        sql<number | string>`coalesce(sum(length(title) + length(body)), 0)`.as('characters'),
      ])
      .where('license_id', '=', row.license_id)
      .executeTakeFirstOrThrow()
    if (Number(live.shares) + 1 > quota.shares) return { ok: false, reason: 'too_many' }
    if (Number(live.characters) + row.title.length + row.body.length > quota.characters)
      return { ok: false, reason: 'too_large' }
    await trx.insertInto('shares').values(row).execute()
    return { ok: true }
  })
}

export async function deleteExpiredShares(
  db: Kysely<Database>,
  now: number,
  limit: number,
): Promise<number> {
  const result = await db
    .deleteFrom('shares')
    .where('id', 'in', (eb) =>
      eb.selectFrom('shares').select('id').where('expires_at', '<=', now).limit(limit),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function findShare(db: Kysely<Database>, id: string): Promise<ShareRow | undefined> {
  return db.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function deleteShare(
  db: Kysely<Database>,
  id: string,
  licenseId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('shares')
    .where('id', '=', id)
    .where('license_id', '=', licenseId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}
