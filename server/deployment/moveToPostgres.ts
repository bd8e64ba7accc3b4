import type { Kysely } from 'kysely'
import { openDeployment } from './openDeployment.ts'
import { Kek } from '../keys/Kek.ts'
import { FileSecrets } from '../secrets/FileSecrets.ts'
import type { SecretName } from '../secrets/Secrets.ts'

const SECRETS: readonly SecretName[] = [
  'admin-token',
  'key-hash-secret',
  'root-private-jwk',
  'root-public-jwk',
  'demo-license',
]
// Rows of these tables are bookkeeping that a new database rebuilds on its own.
const SKIPPED = new Set(['kysely_migration', 'kysely_migration_lock', 'rate_limits'])
// Parents first, for the foreign keys.
const FIRST = ['licenses']
const BATCH = 500

/**
 * Copies an SQLite data folder into an empty PostgreSQL database, in one transaction: every row of
 * every table, the signing keys sealed again under the target KEK, and the folder's secrets (admin
 * token, key-hash secret, root key, demo license) as sealed settings. The folder is only read.
 * Returns the rows copied per table.
 *
 * @example
 * await moveToPostgres('./data', { databaseUrl: process.env.DATABASE_URL, kek: process.env.LEEWAY_KEK })
 */
export async function moveToPostgres(
  dir: string,
  target: { databaseUrl: string; kek: string },
): Promise<Record<string, number>> {
  const source = await openDeployment(dir, {})
  const kek = Kek.parse(target.kek)
  // Loaded here, not at the CLI's start: `pg` is installed only where PostgreSQL is used.
  const { openPostgres } = await import('../storage/openPostgres.ts')
  const destination = await openPostgres(target.databaseUrl)
  try {
    const counts = await destination.counts()
    const settings = await destination.db.selectFrom('settings').select('key').execute()
    if (Object.values(counts).some((n) => n > 0) || settings.length > 0)
      throw new Error('the PostgreSQL database already holds Leeway data: move into an empty one')

    const from = source.store.db as unknown as Kysely<Record<string, Record<string, unknown>>>
    const tables = (await from.introspection.getTables())
      .map((table) => table.name)
      .filter((name) => !SKIPPED.has(name))
      .sort((a, b) => Number(FIRST.includes(b)) - Number(FIRST.includes(a)))
    const copied: Record<string, number> = {}
    const secrets = new FileSecrets(dir)

    await destination.db.transaction().execute(async (trx) => {
      const to = trx as unknown as Kysely<Record<string, Record<string, unknown>>>
      for (const table of tables) {
        let rows = await from.selectFrom(table).selectAll().execute()
        if (table === 'signing_keys') {
          rows = rows.map((row) => {
            const context = `signing_keys:${String(row.kid)}`
            return {
              ...row,
              private_jwk: kek.seal(source.kek.open(String(row.private_jwk), context), context),
            }
          })
        }
        for (let i = 0; i < rows.length; i += BATCH)
          await to
            .insertInto(table)
            .values(rows.slice(i, i + BATCH))
            .execute()
        copied[table] = rows.length
      }
      for (const name of SECRETS) {
        const value = await secrets.get(name)
        const key = `secret:${name}`
        if (value !== undefined)
          await trx
            .insertInto('settings')
            .values({ key, value: kek.seal(value, key) })
            .execute()
      }
    })
    return copied
  } finally {
    await destination.close()
    await source.store.close()
  }
}
