import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequestCode, decodeLicenseFile, peekPayload } from '../../src/core/index.ts'
import { BACKEND, expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { CreatedLicense, Device, TestServer } from './helpers/testServer.ts'

// Regression, found by fuzzing on PostgreSQL: its text columns cannot hold U+0000, SQLite's can.
// A NUL in a license note, a status reason, a device name, a request code's name, or an id in a
// path reached a query and was answered 500 on PostgreSQL while SQLite stored it. Now both refuse
// it at the HTTP boundary (400), or drop it where the text is the device's own signed display name.

let server: TestServer
let license: CreatedLicense
let device: Device

beforeAll(async () => {
  server = await startTestServer()
  license = await server.createLicense({ seats: 2 })
  device = await server.makeDevice()
  await server.activateOk(license.key, device)
})

afterAll(async () => {
  await server.close()
})

const NUL = 'a\u0000b'

describe(`U+0000 on ${BACKEND}`, () => {
  it.each<[string, () => Promise<Response>]>([
    [
      'a license note',
      () =>
        server.admin('POST', '/licenses', { product: 'notes', plan: 'pro', seats: 1, note: NUL }),
    ],
    [
      'a status reason',
      () => server.admin('POST', `/licenses/${license.id}/suspend`, { reason: NUL }),
    ],
    [
      'a device name',
      () =>
        server.post('/api/v1/activate', {
          licenseKey: license.key,
          device: { id: 'dev-nul', name: NUL, platform: 'linux', publicKey: device.publicKey },
        }),
    ],
    [
      'a member name',
      () => server.post('/api/v1/validate', { checks: [{ grant: 'g', proof: 'p' }], [NUL]: 1 }),
    ],
    ['a license id in the path', () => server.admin('GET', '/licenses/a%00b')],
    [
      'a device id in the path',
      () => server.admin('DELETE', `/licenses/${license.id}/devices/a%00b`),
    ],
  ])('in %s is refused as bad_request, and nothing is written', async (_where, send) => {
    const before = await server.snapshot()
    await expectError(await send(), 400, 'bad_request')
    expect(await server.snapshot()).toEqual(before)
  })

  it("is dropped from an air-gapped device's signed name and platform", async () => {
    const offline = await server.makeDevice()
    const requestCode = await createRequestCode(
      {
        dev: offline.id,
        jwk: offline.publicKey,
        ts: Math.floor(server.clock.now() / 1000),
        name: 'Lab\u0000 PC',
        platform: '\u0000linux',
      },
      offline.privateKey,
    )
    const response = await server.post('/api/v1/offline/activate', {
      licenseKey: license.key,
      requestCode,
    })
    expect(response.status).toBe(200)
    const file = decodeLicenseFile((await readJson<{ licenseFile: string }>(response)).licenseFile)
    expect(peekPayload(file.grant).dev).toBe(offline.id)
    const row = await server.data.store.findDevice(license.id, offline.id)
    expect([row?.name, row?.platform]).toEqual(['Lab PC', 'linux'])
  })
})
