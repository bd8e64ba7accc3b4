import type { SimulatedDevice } from './seedStore.ts'

/**
 * Request bodies for `POST /api/v1/validate`, each with `checksPerRequest` checks of distinct
 * devices and a fresh proof for every check (proofs are single-use and must be within 5 minutes
 * of server time, so call this just before the run that sends them).
 */
export function validateBodies(
  devices: readonly SimulatedDevice[],
  count: number,
  checksPerRequest: number,
  firstDevice = 0,
): string[] {
  const now = Date.now()
  const bodies: string[] = []
  let next = firstDevice
  for (let i = 0; i < count; i++) {
    const checks: string[] = []
    for (let c = 0; c < checksPerRequest; c++) {
      const device = devices[next % devices.length]
      next += 1
      if (!device) throw new Error('no devices')
      checks.push(`{"grant":"${device.grant}","proof":"${device.key.proof(device.jti, now)}"}`)
    }
    bodies.push(`{"checks":[${checks.join(',')}]}`)
  }
  return bodies
}
