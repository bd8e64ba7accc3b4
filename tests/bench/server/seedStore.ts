import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { openDeployment } from '../../../server/deployment/openDeployment.ts'
import { GrantIssuer } from '../../../server/services/GrantIssuer.ts'
import { ManifestService } from '../../../server/services/ManifestService.ts'
import type { DeviceRow, LicenseRow } from '../../../server/storage/Store.ts'
import type { PublicJwk } from '../../../src/core/index.ts'
import type { DeviceKey } from '../support/DeviceKey.ts'

/** A device of the bench: its rows are in the store and it holds a grant the server signed. */
export interface SimulatedDevice {
  licenseId: string
  deviceId: string
  key: DeviceKey
  grant: string
  jti: string
  seq: number
}

export interface SeededStore {
  dir: string
  /** Licenses in the store, each with one active device. */
  rows: number
  /** The devices with real keys and grants, spread evenly through the rows. */
  devices: SimulatedDevice[]
  rootPublicJwk: PublicJwk
  /** Wall time to make the data folder, sign the grants and insert every row. */
  seconds: number
}

const DAY_MS = 86_400_000

/**
 * Makes a data folder with `rows` licenses of plan `pro`, each with one active device, the way the
 * server would have stored them. `keys.length` of them are real devices (their rows carry the key's
 * JWK and thumbprint, and each gets a grant signed by the folder's signing key); the others share
 * one key and are never checked. Rows go in with direct SQL in one transaction: the admin API
 * would take hours for a million.
 */
export async function seedStore(
  dir: string,
  rows: number,
  keys: readonly DeviceKey[],
): Promise<SeededStore> {
  const started = performance.now()
  if (rows % keys.length !== 0) throw new Error('rows must be a multiple of the real devices')
  const spacing = rows / keys.length
  const now = Date.now()
  const data = await openDeployment(dir)
  const licenseRow = (index: number): LicenseRow => ({
    id: `lic_bench${String(index).padStart(7, '0')}`,
    key_hash: `bench-key-hash-${index}`,
    product: 'notes',
    plan: 'pro',
    seats: 3,
    status: 'active',
    status_reason: null,
    status_changed_at: null,
    term_end: now + 365 * DAY_MS,
    recheck_every: null,
    grace: null,
    note: null,
    created_at: now,
    updated_at: now,
    max_concurrent: null,
    lease_length: null,
    max_borrow: null,
  })
  const filler = keys[0]
  if (!filler) throw new Error('at least one device key is needed')
  const deviceRow = (index: number, key: DeviceKey): DeviceRow => ({
    license_id: licenseRow(index).id,
    device_id: `dev-${index}`,
    name: 'Bench device',
    platform: 'linux',
    public_jwk: JSON.stringify(key.publicJwk),
    jkt: key.jkt,
    state: 'active',
    seq: 1,
    activated_at: now,
    last_seen_at: now,
    released_at: null,
  })

  const devices: SimulatedDevice[] = []
  try {
    const issuer = new GrantIssuer(
      data.keys,
      new ManifestService(data.store, () => now),
      data.issuer,
    )
    for (const [slot, key] of keys.entries()) {
      const index = slot * spacing
      const license = licenseRow(index)
      const device = deviceRow(index, key)
      const { grant, claims } = await issuer.issue(license, device, now)
      devices.push({
        licenseId: license.id,
        deviceId: device.device_id,
        key,
        grant,
        jti: claims.jti,
        seq: claims.seq,
      })
    }
  } finally {
    await data.store.close()
  }

  const database = new Sqlite(join(dir, 'leeway.db'))
  try {
    // Bulk load only: a crash here loses nothing but the bench's own data.
    database.pragma('synchronous = OFF')
    const licenseColumns = Object.keys(licenseRow(0))
    const deviceColumns = Object.keys(deviceRow(0, filler))
    assertColumnsCovered(database, 'licenses', licenseColumns)
    assertColumnsCovered(database, 'devices', deviceColumns)
    const insertLicense = database.prepare(insertSql('licenses', licenseColumns))
    const insertDevice = database.prepare(insertSql('devices', deviceColumns))
    const insertAll = database.transaction(() => {
      for (let index = 0; index < rows; index++) {
        const key = index % spacing === 0 ? keys[index / spacing] : filler
        insertLicense.run(licenseRow(index))
        insertDevice.run(deviceRow(index, key ?? filler))
      }
    })
    insertAll()
    database.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    database.close()
  }
  return {
    dir,
    rows,
    devices,
    rootPublicJwk: data.rootPublicJwk,
    seconds: (performance.now() - started) / 1000,
  }
}

function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`
}

/** Fails clearly if the schema gained a required column that the bench does not fill. */
function assertColumnsCovered(
  database: Sqlite.Database,
  table: string,
  columns: readonly string[],
): void {
  const info = database.prepare(`PRAGMA table_info(${table})`).all() as {
    name: string
    notnull: number
    dflt_value: unknown
  }[]
  const missing = info
    .filter((column) => column.notnull === 1 && column.dflt_value === null)
    .map((column) => column.name)
    .filter((name) => !columns.includes(name))
  if (missing.length > 0) {
    throw new Error(
      `the ${table} table has required columns the bench does not fill: ${missing.join(', ')}; update tests/bench/server/seedStore.ts`,
    )
  }
}
