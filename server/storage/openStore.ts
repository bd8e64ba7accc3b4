import { openPostgres } from './openPostgres.ts'
import { openSqlite } from './openSqlite.ts'
import type { KyselyStore } from './KyselyStore.ts'

/** Where the server keeps its data: an SQLite file (one instance) or PostgreSQL (any number). */
export type StoreConfig =
  { backend: 'sqlite'; file: string } | { backend: 'postgres'; url: string; poolSize?: number }

/** Opens the configured store, migrated to the latest schema. */
export async function openStore(config: StoreConfig): Promise<KyselyStore> {
  return config.backend === 'postgres'
    ? openPostgres(config.url, config.poolSize === undefined ? {} : { poolSize: config.poolSize })
    : openSqlite(config.file)
}

/** True for the URLs that select PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url)
}
