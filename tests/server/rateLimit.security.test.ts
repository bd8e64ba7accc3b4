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
      overrides: { trustedProxies: 1 },
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
      overrides: { trustedProxies: 1 },
    }))
    const license = await s.createLicense({ seats: 10 })
    const a = { 'x-forwarded-for': '203.0.113.7' }
    const b = { 'x-forwarded-for': '198.51.100.23' }
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

  it('Should not let a client behind the proxy choose its address - 500 guesses, each with another spoofed entry left of the one the proxy appended, are limited after 3', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
      overrides: { trustedProxies: 1 },
    }))
    const statuses: number[] = []
    for (let i = 0; i < 500; i++) {
      // What the client sent, then what the one trusted proxy appended: the client's real address.
      const from = { 'x-forwarded-for': `10.${i >> 8}.${i & 255}.1, 203.0.113.7` }
      const guess = `AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-${String(i).padStart(5, 'A')}`
      statuses.push((await s.activate(guess, await s.makeDevice(), from)).status)
    }
    expect(statuses.slice(0, 3)).toEqual([403, 403, 403])
    expect(statuses.slice(3).every((status) => status === 429)).toBe(true)
  })

  it('counts proxies from the right: behind two, the entry before the last is the client', async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
      overrides: { trustedProxies: 2 },
    }))
    const license = await s.createLicense({ seats: 10 })
    const client = (spoof: string) => ({ 'x-forwarded-for': `${spoof}, 203.0.113.7, 10.0.0.2` })
    for (let i = 0; i < 3; i++)
      expect(
        (await s.activate(license.key, await s.makeDevice(), client(`192.0.2.${i}`))).status,
      ).toBe(200)
    await expectRateLimited(
      await s.activate(license.key, await s.makeDevice(), client('192.0.2.9')),
    )
    // Another client behind the same two proxies is another address.
    const other = { 'x-forwarded-for': '198.51.100.23, 10.0.0.2' }
    expect((await s.activate(license.key, await s.makeDevice(), other)).status).toBe(200)
  })

  it("Should not let a cross-site form spend an address's attempts - 200 text/plain and malformed posts leave a real activation from that address possible", async () => {
    const s = (server = await startTestServer({
      limits: { ...GENEROUS_LIMITS, activationsPerAddress: LOW },
    }))
    const license = await s.createLicense()
    const device = await s.makeDevice()
    const formPost = JSON.stringify({ licenseKey: license.key, device })
    for (let i = 0; i < 50; i++) {
      for (const path of ['/api/v1/activate', '/api/v1/offline/activate']) {
        const plain = await s.request('POST', path, {
          body: formPost,
          headers: { 'content-type': 'text/plain' },
        })
        await expectError(plain, 400, 'bad_request')
        await expectError(await s.post(path, '{"licenseKey":'), 400, 'bad_request')
      }
    }
    expect((await s.activate(license.key, device)).status).toBe(200)
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
      overrides: { trustedProxies: 1 },
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
