import { LicenseServerProcess } from '../server/LicenseServerProcess.ts'
import { loadValidate } from '../server/loadValidate.ts'
import type { LoadRun } from '../server/loadValidate.ts'
import { seedFloating } from '../server/seedFloating.ts'
import type { DeviceKey } from '../support/DeviceKey.ts'
import { SINGLE_CONNECTIONS, series } from './validateThroughput.ts'
import type { LoadSeries } from './validateThroughput.ts'

const RUNS = 5
const RUN_SECONDS = 4
/** Devices per floating license, all of them holding a lease (a full team, none waiting). */
export const DEVICES_PER_LICENSE = 4

export interface LeaseRenewalResults {
  devices: number
  licenses: number
  devicesPerLicense: number
  leaseLength: string
  seedSeconds: number
  runSeconds: number
  /** `POST /api/v1/lease` by devices already holding a lease: each call a renewal. */
  renew: LoadSeries
  /** `POST /api/v1/validate`, one check per request, by the same devices on the same server. */
  validate: LoadSeries
  /** `leeway_leases_total` of the server after the runs: the renewals were renewals. */
  counted: { taken: number; renewed: number; denied: number } | null
}

/**
 * Issue 15: lease renewals per second through the real server (a child process, SQLite), against
 * validate measured on the same server and store in alternating runs, so that drift on a shared
 * machine hits both alike. Both answer one signed grant per request; a renewal also writes (the
 * lease and the device's seq, in one transaction holding the license row's lock).
 */
export async function measureLeaseRenewals(
  dir: string,
  keys: readonly DeviceKey[],
  log: (line: string) => void,
): Promise<LeaseRenewalResults> {
  log(`  ${keys.length} devices on floating licenses of ${DEVICES_PER_LICENSE} at once`)
  const store = await seedFloating(dir, keys, DEVICES_PER_LICENSE)
  // Consecutive requests go to devices of different licenses, as arrivals from a fleet would.
  const devices = [...store.devices].sort(
    (a, b) =>
      (Number(a.deviceId.split('-')[1]) % DEVICES_PER_LICENSE) -
        (Number(b.deviceId.split('-')[1]) % DEVICES_PER_LICENSE) ||
      a.licenseId.localeCompare(b.licenseId),
  )
  const server = await LicenseServerProcess.start(dir)
  let offset = 0
  const run = async (endpoint: 'lease' | 'validate', requests: number) => {
    const firstDevice = offset
    offset += requests
    return loadValidate({
      url: server.url,
      devices,
      firstDevice,
      checksPerRequest: 1,
      connections: SINGLE_CONNECTIONS,
      requests,
      endpoint,
    })
  }
  try {
    log(`  warm-up, then ${RUNS} runs each of lease renewals and validate, alternating`)
    const warmRenew = await run('lease', 400)
    const warmValidate = await run('validate', 400)
    const rate = Math.min(warmRenew.requestsPerSecond, warmValidate.requestsPerSecond)
    const requests = Math.min(60_000, Math.max(300, Math.round(rate * RUN_SECONDS)))
    const renewRuns: LoadRun[] = []
    const validateRuns: LoadRun[] = []
    for (let i = 0; i < RUNS; i++) {
      renewRuns.push(await run('lease', requests))
      validateRuns.push(await run('validate', requests))
    }
    return {
      devices: devices.length,
      licenses: store.licenses,
      devicesPerLicense: DEVICES_PER_LICENSE,
      leaseLength: store.leaseLength,
      seedSeconds: store.seconds,
      runSeconds: RUN_SECONDS,
      renew: series(renewRuns),
      validate: series(validateRuns),
      counted: await leaseCounts(server.url, store.adminToken),
    }
  } finally {
    await server.stop()
  }
}

/** The server's `leeway_leases_total` by outcome; null if it could not be read. */
async function leaseCounts(
  url: string,
  adminToken: string,
): Promise<LeaseRenewalResults['counted']> {
  const response = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${adminToken}` },
  }).catch(() => null)
  if (!response?.ok) return null
  const text = await response.text()
  const value = (outcome: string) =>
    Number(
      new RegExp(`^leeway_leases_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1],
    )
  return { taken: value('taken'), renewed: value('renewed'), denied: value('denied') }
}
