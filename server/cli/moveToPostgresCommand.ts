import { deploymentSettingsFromEnv } from '../config/deploymentSettings.ts'
import { moveToPostgres } from '../deployment/moveToPostgres.ts'
import { UsageError } from './UsageError.ts'

/** `leeway move-to-postgres`: the data folder into the database of `DATABASE_URL`. */
export async function moveToPostgresCommand(dataDir: string): Promise<number> {
  const { databaseUrl, kek } = deploymentSettingsFromEnv()
  if (!databaseUrl || !kek)
    throw new UsageError('move-to-postgres needs DATABASE_URL=postgres://… and LEEWAY_KEK')
  const copied = await moveToPostgres(dataDir, { databaseUrl, kek })
  for (const [table, rows] of Object.entries(copied)) console.log(`${table}: ${rows} rows`)
  console.log('Done. Start every instance with the same DATABASE_URL and LEEWAY_KEK.')
  return 0
}
