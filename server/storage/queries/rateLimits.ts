import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Backend } from '../KyselyStore.ts'
import type { Database } from '../schema.ts'

// Token buckets in the database, so that limits hold across every instance that shares it.

export async function takeRateToken(
  db: Kysely<Database>,
  backend: Backend,
  scope: string,
  key: string,
  limit: { capacity: number; perMs: number },
  now: number,
): Promise<{ ok: boolean; tokens: number }> {
  const [least, greatest] =
    backend === 'postgres' ? [sql`LEAST`, sql`GREATEST`] : [sql`min`, sql`max`]
  const capacity = sql`CAST(${limit.capacity} AS double precision)`
  const at = sql`CAST(${now} AS bigint)`
  // The bucket refilled since its last update. Every SET expression sees the row as it was before
  // this statement, so the read, the refill and the take are one atomic upsert, on any instance.
  const refilled = sql`${least}(${capacity}, rate_limits.tokens + ${greatest}(0, ${at} - rate_limits.updated_at) * CAST(${limit.perMs} AS double precision))`
  const { rows } = await sql<{ tokens: number; ok: number }>`
    INSERT INTO rate_limits (scope, key, tokens, updated_at, ok)
    VALUES (${scope}, ${key}, ${capacity} - 1, ${at}, 1)
    ON CONFLICT (scope, key) DO UPDATE SET
      tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
      ok = CASE WHEN ${refilled} >= 1 THEN 1 ELSE 0 END,
      updated_at = ${greatest}(rate_limits.updated_at, ${at})
    RETURNING tokens, ok`.execute(db)
  const row = rows[0]
  if (!row) throw new Error('rate limit upsert returned no row')
  return { ok: Number(row.ok) === 1, tokens: Number(row.tokens) }
}

export async function sweepRateLimits(
  db: Kysely<Database>,
  scope: string,
  before: number,
): Promise<void> {
  await db
    .deleteFrom('rate_limits')
    .where('scope', '=', scope)
    .where('updated_at', '<', before)
    .execute()
}
