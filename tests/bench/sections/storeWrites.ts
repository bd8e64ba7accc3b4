import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import type { KyselyStore } from '../../../server/storage/KyselyStore.ts'
import { openSqlite } from '../../../server/storage/openSqlite.ts'
import type { SimulatedDevice } from '../server/seedStore.ts'
import { compareRates } from '../support/rate.ts'
import type { RateSummary } from '../support/rate.ts'
import type { Summary } from '../support/stats.ts'

/** Validations' worth of store writes per second, as the product does them and as it could. */
export interface StoreWrites {
  /** KyselyStore.checkInDevice (proof and device in one commit), one check at a time. */
  product: Summary
  /** The same with 32 checks in flight, as a loaded server has them: group commit. */
  productConcurrent: Summary
  /** The same two statements prepared once (no query builder): still two commits. */
  twoCommits: Summary
  /** Both statements in one transaction: one commit (one WAL fsync) per check. */
  oneCommit: Summary
  /** Writes of 32 checks in one transaction (group commit): one fsync per 32 checks. */
  groupOf32: Summary
  /** Two commits per check with synchronous=NORMAL: what the fsyncs cost. */
  twoCommitsNormal: Summary
}

const GROUP = 32

/**
 * The two writes every check makes (remember the proof, bump the device's `seq`), one check at a
 * time, on the data folder's SQLite file with the product's pragmas (WAL, synchronous=FULL).
 */
export async function measureStoreWrites(
  dir: string,
  devices: readonly SimulatedDevice[],
): Promise<StoreWrites> {
  const file = join(dir, 'leeway.db')
  let turn = 0
  const nextDevice = () => {
    const device = devices[turn++ % devices.length]
    if (!device) throw new Error('no devices')
    return device
  }
  const proofHash = () => randomBytes(32).toString('base64url')

  // Three connections to one file, taken in turn: the product's store (Kysely), statements
  // prepared once, and the same with synchronous=NORMAL.
  const store = await openSqlite(file)
  const raw = openRaw(file, 'FULL')
  const normal = openRaw(file, 'NORMAL')
  try {
    const checkIn = async (target: KyselyStore) => {
      const device = nextDevice()
      const now = Date.now()
      const outcome = await target.checkInDevice(device.licenseId, device.deviceId, now, {
        hash: proofHash(),
        expiresAt: now + 600_000,
      })
      if (!outcome.ok) throw new Error(`check-in refused: ${outcome.reason}`)
    }
    const writes = (connection: RawConnection) => () => {
      const device = nextDevice()
      const now = Date.now()
      connection.remember.run(proofHash(), now + 600_000)
      connection.checkIn.get(now, device.licenseId, device.deviceId)
    }
    const group = raw.database.transaction(() => {
      for (let i = 0; i < GROUP; i++) writes(raw)()
    })
    const rates = await compareRates(
      {
        product: () => checkIn(store),
        concurrent: () => Promise.all(Array.from({ length: GROUP }, () => checkIn(store))),
        twoCommits: writes(raw),
        oneCommit: raw.database.transaction(writes(raw)),
        grouped: group,
        twoCommitsNormal: writes(normal),
      },
      { rounds: 5, roundMs: 300 },
    )
    const { grouped, concurrent, ...rest } = rates
    return {
      ...rest,
      productConcurrent: scale(concurrent, GROUP),
      groupOf32: scale(grouped, GROUP),
    }
  } finally {
    raw.database.close()
    normal.database.close()
    await store.close()
  }
}

interface RawConnection {
  database: Sqlite.Database
  remember: Sqlite.Statement
  checkIn: Sqlite.Statement
}

/** The two statements of a check, as KyselyStore runs them, prepared once on their own connection. */
function openRaw(file: string, synchronous: 'FULL' | 'NORMAL'): RawConnection {
  const database = new Sqlite(file)
  database.pragma('journal_mode = WAL')
  database.pragma(`synchronous = ${synchronous}`)
  database.pragma('busy_timeout = 5000')
  return {
    database,
    remember: database.prepare(
      'INSERT INTO used_proofs (proof_hash, expires_at) VALUES (?, ?) ON CONFLICT (proof_hash) DO NOTHING',
    ),
    checkIn: database.prepare(
      'UPDATE devices SET seq = seq + 1, last_seen_at = ? WHERE license_id = ? AND device_id = ? RETURNING *',
    ),
  }
}

function scale(summary: RateSummary, factor: number): Summary {
  return {
    n: summary.n,
    median: summary.median * factor,
    p95: summary.p95 * factor,
    p99: summary.p99 * factor,
    min: summary.min * factor,
    max: summary.max * factor,
    mean: summary.mean * factor,
  }
}
