import type { SimulatedDevice } from './seedStore.ts'

const LEASE_PATH = '/api/v1/lease'

/**
 * Request bodies for `POST /api/v1/lease`, one device each, in turn from `firstDevice`, with a
 * fresh proof bound to that endpoint (single-use, within 5 minutes of server time: call this just
 * before the run that sends them).
 */
export function leaseBodies(
  devices: readonly SimulatedDevice[],
  count: number,
  firstDevice = 0,
): string[] {
  const now = Date.now()
  const bodies: string[] = []
  for (let i = 0; i < count; i++) {
    const device = devices[(firstDevice + i) % devices.length]
    if (!device) throw new Error('no devices')
    bodies.push(
      `{"grant":"${device.grant}","proof":"${device.key.proof(device.jti, now, LEASE_PATH)}"}`,
    )
  }
  return bodies
}
