import { Migrator } from 'kysely'
import type { Kysely, Migration, MigrationProvider } from 'kysely'

// Migrations live in code, one entry per schema version, so a bundled or installed server carries
// them with it. Never edit a migration that has shipped: add the next one.
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('licenses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('seats', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('status_changed_at', 'bigint')
        .addColumn('term_end', 'bigint')
        .addColumn('recheck_every', 'text')
        .addColumn('grace', 'text')
        .addColumn('note', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('devices')
        .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('jkt', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('activated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('released_at', 'bigint')
        .addPrimaryKeyConstraint('devices_pk', ['license_id', 'device_id'])
        .execute()
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('cert', 'text', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('manifests')
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('used_proofs')
        .addColumn('proof_hash', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('used_proofs_expires')
        .on('used_proofs')
        .column('expires_at')
        .execute()
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()
    },
  },
  // Read-only links to notes shared by the demo app (`share.link`), served by /api/v1/shares.
  '0002_shares': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('shares')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('shares_license').on('shares').column('license_id').execute()
    },
  },
  // Token buckets shared by every instance on one database (PostgreSQL); `scope` names the limit.
  '0003_rate_limits': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_limits')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_limits_pk', ['scope', 'key'])
        .execute()
      await db.schema
        .createIndex('rate_limits_updated')
        .on('rate_limits')
        .columns(['scope', 'updated_at'])
        .execute()
    },
  },
  // Opt-in telemetry, added up per UTC day, product and policy version: counters only. No column
  // may ever name a device, a license or an address (tests/server/telemetry.security.test.ts).
  // The reconnection histogram has one column per bucket of RECONNECT_BUCKETS_MS (src/core), so
  // that every report is one atomic upsert; other buckets would need a migration of their own.
  '0004_telemetry_daily': {
    async up(db: Kysely<unknown>) {
      let table = db.schema
        .createTable('telemetry_daily')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('policy_version', 'integer', (c) => c.notNull())
        .addColumn('devices', 'bigint', (c) => c.notNull())
      // Written out, not taken from schema.ts: a shipped migration never changes.
      const counters = [
        'starts_offline',
        'starts_online',
        'grace_entered',
        'grace_ended',
        'rechecks_ok',
        'rechecks_failed',
        'revocations_seen',
      ]
      const buckets = Array.from({ length: 9 }, (_, index) => `reconnect_${index}`)
      for (const column of [...counters, ...buckets])
        table = table.addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
      await table
        .addPrimaryKeyConstraint('telemetry_daily_pk', ['day', 'product', 'policy_version'])
        .execute()
    },
  },
  // The expiry sweep deletes by expires_at across every license.
  '0005_shares_expiry': {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('shares_expires_at').on('shares').column('expires_at').execute()
    },
  },
  // Keyed daily markers, so that a device's reports count once a day (see schema.ts).
  '0006_telemetry_markers': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('telemetry_markers')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('marker', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('telemetry_markers_pk', ['day', 'marker'])
        .execute()
    },
  },
  // Who did what to licenses, devices, the manifest and keys, and when (see schema.ts). The primary
  // key sorts by time, so reading newest first needs no other index.
  '0007_admin_audit': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('admin_audit')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .execute()
    },
  },
  // Floating licenses (#15): a license with max_concurrent counts live leases, not devices. One
  // lease per device; it counts while ends_at is in the future, so a lapse needs no sweeper.
  '0008_floating_leases': {
    async up(db: Kysely<unknown>) {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await db.schema.alterTable('licenses').addColumn('max_concurrent', 'integer').execute()
      await db.schema.alterTable('licenses').addColumn('lease_length', 'text').execute()
      await db.schema.alterTable('licenses').addColumn('max_borrow', 'text').execute()
      await db.schema
        .createTable('leases')
        .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('leases_pk', ['license_id', 'device_id'])
        .execute()
      // The count under the license lock reads the live leases of one license.
      await db.schema
        .createIndex('leases_license_ends')
        .on('leases')
        .columns(['license_id', 'ends_at'])
        .execute()
    },
  },
  // Floating licenses (#15): the devices waiting in line for a slot, first come first served. A
  // wait counts while its device keeps asking (seen_at), so a closed app leaves the line by itself.
  '0009_lease_waits': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lease_waits')
        .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lease_waits_pk', ['license_id', 'device_id'])
        .execute()
    },
  },
}

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
}

/** Brings the schema to the latest version; runs on every start and is a no-op when current. */
export async function migrateToLatest(
  db: Kysely<unknown>,
  options: { schema?: string | undefined } = {},
): Promise<void> {
  const { error, results } = await new Migrator({
    db,
    provider,
    // PostgreSQL: the schema the tables go to. Without it the migrator finds its own tables in any
    // schema of the database and takes another schema's for this one's.
    ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }),
    // Migrations written side by side may land in either order; each one stands on its own.
    allowUnorderedMigrations: true,
  }).migrateToLatest()
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`database migration ${failed} failed: ${String(error)}`)
  }
}
