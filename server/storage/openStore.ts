import type { KyselyStore } from './KyselyStore.ts'

/** Where the server keeps its data: an SQLite file (one instance) or PostgreSQL (any number). */
export type StoreConfig =
  { backend: 'sqlite'; file: string } | { backend: 'postgres'; url: string; poolSize?: number }

/**
 * Opens the configured store, migrated to the latest schema. Each backend's driver is loaded only
 * when chosen: a deployment on SQLite needs no `pg` installed, one on PostgreSQL no SQLite build.
 */
export async function openStore(config: StoreConfig): Promise<KyselyStore> {
  if (config.backend === 'postgres') {
    const { openPostgres } = await import('./openPostgres.ts')
    return openPostgres(
      config.url,
      config.poolSize === undefined ? {} : { poolSize: config.poolSize },
    )
  }
  const { openSqlite } = await import('./openSqlite.ts')
  return openSqlite(config.file)
}

/** True for the URLs that select PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url)
}
