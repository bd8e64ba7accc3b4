import { afterEach, describe, expect, it } from 'vitest'
import { createRequestCode } from '../../src/core/index.ts'
import {
  GENEROUS_LIMITS,
  MINUTE,
  SECOND,
  expectError,
  startTestServer,
} from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

let server: TestServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

const LOW = { capacity: 3, perMinute: 1 }

async function expectRateLimited(response: Response): Promise<void> {
  await expectError(response, 429, 'rate_limited')
  // One token a minute and none left: the next one is a whole minute away.
  expect(response.headers.get('retry-after')).toBe('60')
}

describe('activation attempts per client address (3, then 1 a minute)', () => {
  it('answers the 4th attempt from one address with 429 rate_limited and Retry-After, and writes nothing', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
      overrides: { trustProxy: true },
    }))
    const license = await s.createLicense({ seats: 10 })
    const from = { 'x-forwarded-for': '203.0.113.7' }
    for (let i = 0; i < 3; i++)
      expect((await s.activate(license.key, await s.makeDevice(), from)).status).toBe(200)
    const before = await s.snapshot()
    await expectRateLimited(await s.activate(license.key, await s.makeDevice(), from))
    expect(await s.snapshot()).toEqual(before)
  })

  it('counts guesses with wrong keys too: key guessing stays slow', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
    }))
    const license = await s.createLicense()
    const guesses = [
      'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA',
      'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAB',
      'not a key',
    ]
    for (const guess of guesses) {
      await expectError(await s.activate(guess, await s.makeDevice()), 403, 'license_key_invalid')
    }
    // The right key does not get through either, until the bucket refills.
    await expectRateLimited(await s.activate(license.key, await s.makeDevice()))
  })

  it('lets another address through while one is limited', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
      overrides: { trustProxy: true },
    }))
    const license = await s.createLicense({ seats: 10 })
    const a = { 'x-forwarded-for': '203.0.113.7' }
    const b = { 'x-forwarded-for': '198.51.100.23, 10.0.0.1' }
    for (let i = 0; i < 3; i++) await s.activate(license.key, await s.makeDevice(), a)
    await expectRateLimited(await s.activate(license.key, await s.makeDevice(), a))
    expect((await s.activate(license.key, await s.makeDevice(), b)).status).toBe(200)
  })

  it('refills one attempt a minute: allowed again after Retry-After, limited again right after', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
    }))
    const license = await s.createLicense({ seats: 10 })
    for (let i = 0; i < 3; i++) await s.activate(license.key, await s.makeDevice())
    await expectRateLimited(await s.activate(license.key, await s.makeDevice()))
    s.clock.advance(MINUTE - SECOND)
    await expectError(await s.activate(license.key, await s.makeDevice()), 429, 'rate_limited')
    s.clock.advance(SECOND)
    expect((await s.activate(license.key, await s.makeDevice())).status).toBe(200)
    await expectRateLimited(await s.activate(license.key, await s.makeDevice()))
  })

  it('ignores X-Forwarded-For unless the operator trusts a proxy: a spoofed header does not escape the limit', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
    }))
    const license = await s.createLicense({ seats: 10 })
    for (let i = 0; i < 3; i++) {
      await s.activate(license.key, await s.makeDevice(), { 'x-forwarded-for': `203.0.113.${i}` })
    }
    await expectRateLimited(
      await s.activate(license.key, await s.makeDevice(), { 'x-forwarded-for': '203.0.113.99' }),
    )
  })

  it('counts offline activations against the same limit', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
    }))
    const license = await s.createLicense({ seats: 10 })
    for (let i = 0; i < 3; i++) await s.activate(license.key, await s.makeDevice())
    const device = await s.makeDevice()
    const requestCode = await createRequestCode(
      {
        dev: device.id,
        jwk: device.publicKey,
        ts: Math.floor(s.clock.now() / 1000),
        name: 'x',
        platform: 'y',
      },
      device.privateKey,
    )
    await expectRateLimited(
      await s.post('/api/v1/offline/activate', { licenseKey: license.key, requestCode }),
    )
  })
})

describe('activations per license (3, then 1 a minute)', () => {
  it('answers the 4th activation of one license with 429 and Retry-After, while another license activates', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerLicense: LOW },
    }))
    const license = await s.createLicense({ seats: 10 })
    const other = await s.createLicense({ seats: 10 })
    for (let i = 0; i < 3; i++)
      expect((await s.activate(license.key, await s.makeDevice())).status).toBe(200)
    const before = await s.snapshot()
    await expectRateLimited(await s.activate(license.key, await s.makeDevice()))
    expect(await s.snapshot()).toEqual(before)
    expect((await s.activate(other.key, await s.makeDevice())).status).toBe(200)
  })

  it('limits the license from every address', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerLicense: LOW },
      overrides: { trustProxy: true },
    }))
    const license = await s.createLicense({ seats: 10 })
    for (let i = 0; i < 3; i++) {
      await s.activate(license.key, await s.makeDevice(), { 'x-forwarded-for': `203.0.113.${i}` })
    }
    await expectRateLimited(
      await s.activate(license.key, await s.makeDevice(), { 'x-forwarded-for': '198.51.100.1' }),
    )
  })

  it('does not limit check-ins: validate keeps working for a license at its activation limit', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerLicense: LOW },
    }))
    const license = await s.createLicense({ seats: 10 })
    const device = await s.makeDevice()
    let grant = (await s.activateOk(license.key, device)).grant
    for (let i = 0; i < 2; i++) await s.activate(license.key, await s.makeDevice())
    await expectRateLimited(await s.activate(license.key, await s.makeDevice()))
    for (let i = 0; i < 5; i++) {
      const result = await s.validateOne(grant, device)
      expect(result.ok).toBe(true)
      if (result.ok) grant = result.grant
    }
  })
})
