import type { Kysely } from 'kysely'
import type { Backend } from '../KyselyStore.ts'
import type { Database } from '../schema.ts'
import type { AuditRow, ManifestRow, ManifestSummaryRow } from '../Store.ts'
import { advisoryTransactionLock } from '../withAdvisoryLock.ts'

// The living policy's versions: append-only, numbered one after another across instances.

export async function currentManifest(db: Kysely<Database>): Promise<ManifestRow | undefined> {
  return db
    .selectFrom('manifests')
    .selectAll()
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function appendManifest(
  db: Kysely<Database>,
  backend: Backend,
  row: Omit<ManifestRow, 'version'>,
  audit?: AuditRow,
): Promise<ManifestRow> {
  return db.transaction().execute(async (trx) => {
    // Two instances publishing at once would both pick the same next version number.
    if (backend === 'postgres') await advisoryTransactionLock(trx, 'manifest')
    const latest = await trx
      .selectFrom('manifests')
      .select((eb) => eb.fn.max<number>('version').as('version'))
      .executeTakeFirst()
    const version = Number(latest?.version ?? 0) + 1
    const inserted = await trx
      .insertInto('manifests')
      .values({ ...row, version })
      .returningAll()
      .executeTakeFirstOrThrow()
    // The version is known only here, inside the transaction that takes it.
    if (audit)
      await trx
        .insertInto('admin_audit')
        .values({ ...audit, target: String(inserted.version) })
        .execute()
    return inserted
  })
}

export async function listManifests(
  db: Kysely<Database>,
  options: {
    before?: number | undefined
    limit: number
  },
): Promise<ManifestSummaryRow[]> {
  let query = db
    .selectFrom('manifests')
    .select(['version', 'author', 'note', 'created_at'])
    .orderBy('version', 'desc')
    .limit(options.limit)
  if (options.before !== undefined) query = query.where('version', '<', options.before)
  return query.execute()
}

export async function findManifest(
  db: Kysely<Database>,
  version: number,
): Promise<ManifestRow | undefined> {
  return db.selectFrom('manifests').selectAll().where('version', '=', version).executeTakeFirst()
}
