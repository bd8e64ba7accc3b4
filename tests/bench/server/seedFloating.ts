import { createApp } from '../../../server/app.ts'
import { openDeployment } from '../../../server/deployment/openDeployment.ts'
import type { Limits } from '../../../server/services.ts'
import type { DeviceKey } from '../support/DeviceKey.ts'
import type { SimulatedDevice } from './seedStore.ts'

/** A data folder of floating licenses whose devices each hold a live lease. */
export interface FloatingStore {
  dir: string
  licenses: number
  /** Every device, each holding the lease its activation took. */
  devices: SimulatedDevice[]
  /** For reading the server's `/metrics` after the runs. */
  adminToken: string
  leaseLength: string
  seconds: number
}

// Seeding activates thousands of devices from one address in seconds: not what the limits are for.
const SEEDING_LIMITS: Partial<Limits> = {
  activationsPerAddress: { capacity: 1_000_000, perMinute: 1_000_000 },
  activationsPerLicense: { capacity: 1_000_000, perMinute: 1_000_000 },
}

/**
 * Makes `keys.length / perLicense` floating licenses of `perLicense` devices at once, through the
 * admin API and online activation of the server itself (in-process, no port): the rows, the
 * leases and the grants are the server's own. A lease is long enough to outlast the bench, so
 * every lease call of the runs is a renewal.
 */
export async function seedFloating(
  dir: string,
  keys: readonly DeviceKey[],
  perLicense: number,
): Promise<FloatingStore> {
  const started = performance.now()
  const leaseLength = 'PT1H'
  const data = await openDeployment(dir)
  const devices: SimulatedDevice[] = []
  try {
    const app = createApp(data.deps({ limits: SEEDING_LIMITS }))
    const post = async (path: string, body: unknown, token?: string) => {
      const response = await app.request(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      })
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
      return (await response.json()) as Record<string, unknown>
    }
    let license = { id: '', key: '' }
    for (const [index, key] of keys.entries()) {
      if (index % perLicense === 0) {
        license = (await post(
          '/admin/v1/licenses',
          {
            product: 'notes',
            plan: 'pro',
            seats: perLicense,
            termEnd: Date.now() + 365 * 86_400_000,
            floating: { maxConcurrent: perLicense, leaseLength, maxBorrow: 'P7D' },
          },
          data.adminToken,
        )) as { id: string; key: string }
      }
      const deviceId = `float-${index}`
      const { grant } = (await post('/api/v1/activate', {
        licenseKey: license.key,
        device: { id: deviceId, name: 'Bench device', platform: 'linux', publicKey: key.publicJwk },
      })) as { grant: string }
      const claims = JSON.parse(
        Buffer.from(grant.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { jti: string; seq: number; lse?: string }
      if (claims.lse !== 'lease') throw new Error(`${deviceId} got no lease`)
      devices.push({
        licenseId: license.id,
        deviceId,
        key,
        grant,
        jti: claims.jti,
        seq: claims.seq,
      })
    }
    return {
      dir,
      licenses: Math.ceil(keys.length / perLicense),
      devices,
      adminToken: data.adminToken,
      leaseLength,
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    await data.store.close()
  }
}
