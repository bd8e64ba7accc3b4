import { join } from 'node:path'
import Sqlite from 'better-sqlite3'

/**
 * How many validations the server has done on a data folder: every check-in bumps its device's
 * `seq` by one, so the sum over devices grows by one per validation the server completed, whether
 * or not its client was still waiting for the answer. Read while no server runs on the folder.
 */
export function validationsDone(dir: string): number {
  const database = new Sqlite(join(dir, 'leeway.db'), { readonly: true })
  try {
    const row = database.prepare('SELECT coalesce(sum(seq), 0) AS total FROM devices').get() as {
      total: number
    }
    return row.total
  } finally {
    database.close()
  }
}
