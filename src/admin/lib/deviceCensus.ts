import type { AdminApi } from '../api/AdminApi.ts'
import type { DeviceState } from '../../core/index.ts'

export type DeviceCounts = Record<DeviceState, number>

/**
 * Counts devices by state across `licenseIds`, reading each license (four at a time): the API has
 * no fleet-wide count, so the dashboard counts what it has loaded.
 */
export async function countDevices(
  api: AdminApi,
  licenseIds: readonly string[],
  onProgress: (done: number) => void = () => undefined,
): Promise<DeviceCounts> {
  const counts: DeviceCounts = { active: 0, released: 0, removed: 0 }
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < licenseIds.length) {
      const id = licenseIds[next++]
      if (id === undefined) return
      const license = await api.license(id)
      for (const device of license.devices) counts[device.state] += 1
      onProgress(++done)
    }
  }
  await Promise.all(Array.from({ length: Math.min(4, licenseIds.length) }, worker))
  return counts
}
