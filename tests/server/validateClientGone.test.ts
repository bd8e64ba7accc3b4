import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import type { Store } from '../../server/storage/Store.ts'
import { claimsOf, grantOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { Device, TestServer, ValidateBody } from './helpers/testServer.ts'

// A device that stops waiting (its 10 s timeout, a closed tab) while its check is being verified:
// the server notices before writing anything, so the check costs no commit and no signature, and
// the proof it sent stays unused. The store holds each device lookup at a gate the test opens,
// so the client is surely gone while its check is in verification.

let release: () => void = () => undefined
let gateClosed = false
let waiting = 0

function gatedStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'findDevice') {
        return async (...args: Parameters<Store['findDevice']>) => {
          if (gateClosed) {
            waiting += 1
            await new Promise<void>((resolve) => {
              release = resolve
            })
            waiting -= 1
          }
          return target.findDevice(...args)
        }
      }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
}

let server: TestServer
let running: RunningServer

beforeAll(async () => {
  server = await startTestServer()
  running = await listen(
    server.data,
    { port: 0, host: '127.0.0.1' },
    { store: gatedStore(server.data.store) },
  )
})

afterAll(async () => {
  release()
  await running.close()
  await server.close()
})

async function seqOf(device: Device, licenseId: string): Promise<number> {
  const row = await server.data.store.findDevice(licenseId, device.id)
  if (!row) throw new Error('no device row')
  return row.seq
}

describe('a validate whose client has gone', () => {
  it('writes and signs nothing, and leaves the proof unused', async () => {
    const license = await server.createLicense()
    const device = await server.makeDevice()
    const grant = (await server.activateOk(license.key, device)).grant
    const licenseId = claimsOf(grant).sub
    const seqBefore = await seqOf(device, licenseId)
    const check = await server.check(grant, device)

    gateClosed = true
    const controller = new AbortController()
    const request = fetch(`${running.url}/api/v1/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ checks: [check] }),
      signal: controller.signal,
    }).catch((error: unknown) => error)
    await vi.waitFor(() => expect(waiting).toBe(1), { timeout: 10_000, interval: 10 })
    controller.abort()
    expect(await request).toBeInstanceOf(Error)
    // Let the server see the connection close before the check goes on.
    await new Promise((resolve) => setTimeout(resolve, 200))
    gateClosed = false
    release()
    await vi.waitFor(() => expect(waiting).toBe(0))
    await new Promise((resolve) => setTimeout(resolve, 200))

    expect(await seqOf(device, licenseId)).toBe(seqBefore)
    // The same proof, sent again by a device that is still there, is taken: it was never used.
    const again = await fetch(`${running.url}/api/v1/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ checks: [check] }),
    })
    const body = await readJson<ValidateBody>(again)
    expect(claimsOf(grantOf(body.results[0])).seq).toBe(seqBefore + 1)
  })
})
