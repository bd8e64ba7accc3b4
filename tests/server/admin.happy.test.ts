import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DAY, grantOf, readJson, startTestServer } from './helpers/testServer.ts'
import type { LicenseView, Page } from '../../src/core/index.ts'
import type { CreatedLicense, TestServer } from './helpers/testServer.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('creating a license', () => {
  it('answers 201 with the id, the key and the terms as given', async () => {
    const termEnd = server.clock.now() + 30 * DAY
    const response = await server.admin('POST', '/licenses', {
      product: 'notes',
      plan: 'free',
      seats: 5,
      termEnd,
      grace: 'P14D',
      note: 'order 1234',
    })
    expect(response.status).toBe(201)
    const license = await readJson<CreatedLicense>(response)
    expect(license).toMatchObject({
      product: 'notes',
      plan: 'free',
      seats: 5,
      status: 'active',
      termEnd,
      grace: 'P14D',
      recheckEvery: null,
      note: 'order 1234',
      createdAt: server.clock.now(),
    })
    expect(license.id).toMatch(/^lic_[a-z0-9]+$/)
    expect((await server.data.store.findLicense(license.id))?.seats).toBe(5)
  })

  it('gives every license its own id and key', async () => {
    const a = await server.createLicense()
    const b = await server.createLicense()
    expect(a.id).not.toBe(b.id)
    expect(a.key).not.toBe(b.key)
  })
})

describe('reading licenses', () => {
  it('shows one license with its devices and the seats in use', async () => {
    const license = await server.createLicense({ seats: 3 })
    const laptop = await server.makeDevice('laptop')
    const phone = await server.makeDevice('phone')
    await server.activateOk(license.key, laptop)
    await server.activateOk(license.key, phone)
    await server.admin('DELETE', `/licenses/${license.id}/devices/phone`)

    const response = await server.admin('GET', `/licenses/${license.id}`)
    expect(response.status).toBe(200)
    const shown = await readJson<{
      id: string
      seatsUsed: number
      devices: { id: string; state: string }[]
    }>(response)
    expect(shown.id).toBe(license.id)
    expect(shown.seatsUsed).toBe(1)
    expect(shown.devices.map((d) => [d.id, d.state])).toEqual([
      ['laptop', 'active'],
      ['phone', 'removed'],
    ])
    const devices = await readJson<{ items: { id: string }[] }>(
      await server.admin('GET', `/licenses/${license.id}/devices`),
    )
    expect(devices.items.map((d) => d.id)).toEqual(['laptop', 'phone'])
  })
})

describe('a license past its term', () => {
  it('is shown expired while its status stays active, in the list and alone, and good again once renewed', async () => {
    const termEnd = server.clock.now() + DAY
    const license = await server.createLicense({ termEnd })
    const standing = async () => {
      const one = await readJson<LicenseView>(await server.admin('GET', `/licenses/${license.id}`))
      const page = await readJson<Page<LicenseView>>(
        await server.admin('GET', '/licenses?limit=500'),
      )
      const listed = page.items.find((item) => item.id === license.id)
      return [one.status, one.standing, listed?.standing]
    }
    expect(await standing()).toEqual(['active', 'good', 'good'])
    server.clock.advance(DAY)
    expect(await standing()).toEqual(['active', 'expired', 'expired'])
    const renewed = await server.admin('POST', `/licenses/${license.id}/renew`, {
      termEnd: server.clock.now() + 30 * DAY,
    })
    expect((await readJson<LicenseView>(renewed)).standing).toBe('good')
    server.clock.advance(-DAY)
  })
})

describe('listing licenses page by page', () => {
  it('walks 5 licenses in 3 pages of at most 2 through nextCursor, each once', async () => {
    const own = await startTestServer()
    try {
      const created: string[] = []
      for (let i = 0; i < 5; i++) created.push((await own.createLicense()).id)
      const pages: Page<LicenseView>[] = []
      let cursor: string | null = null
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`
        const response = await own.admin('GET', `/licenses?limit=2${query}`)
        expect(response.status).toBe(200)
        const page = await readJson<Page<LicenseView>>(response)
        pages.push(page)
        cursor = page.nextCursor
      } while (cursor !== null && pages.length < 10)

      expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1])
      const ids = pages.flatMap((page) => page.items.map((item) => item.id))
      expect(new Set(ids).size).toBe(5)
      expect([...ids].sort()).toEqual([...created].sort())
    } finally {
      await own.close()
    }
  })

  it('answers one page with no cursor when everything fits', async () => {
    const own = await startTestServer()
    try {
      for (let i = 0; i < 3; i++) await own.createLicense()
      const page = await readJson<Page<LicenseView>>(await own.admin('GET', '/licenses'))
      expect(page.items).toHaveLength(3)
      expect(page.nextCursor).toBeNull()
    } finally {
      await own.close()
    }
  })
})

describe('the manifest', () => {
  it('answers the current version, and a published version takes effect at the next check', async () => {
    const current = await readJson<{
      version: number
      manifest: { products: Record<string, { grace: string }> }
    }>(await server.admin('GET', '/manifest'))
    expect(current.version).toBe(1)
    expect(current.manifest.products.notes?.grace).toBe('P7D')

    const license = await server.createLicense()
    const device = await server.makeDevice()
    const { grant } = await server.activateOk(license.key, device)

    const manifest = structuredClone(current.manifest)
    const notes = manifest.products.notes
    if (!notes) throw new Error('the demo manifest has no notes product')
    notes.grace = 'P10D'
    const published = await server.request('PUT', '/admin/v1/manifest', {
      body: manifest,
      headers: {
        authorization: `Bearer ${server.data.adminToken}`,
        'x-leeway-note': 'longer grace',
      },
    })
    expect(published.status).toBe(201)
    expect(await readJson<unknown>(published)).toMatchObject({
      version: 2,
      note: 'longer grace',
      author: 'admin-api',
    })

    const { certs } = await readJson<{ certs: string[] }>(
      await server.request('GET', '/api/v1/keys'),
    )
    const claims = await server.verify(grantOf(await server.validateOne(grant, device)), certs)
    expect(claims.pol.v).toBe(2)
    expect(claims.pol.grace).toBe(10 * 86_400)
  })
})
