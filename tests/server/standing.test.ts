import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { standingOf } from '../../server/services/standing.ts'
import type { DryRunResult, ManifestVersionView } from '../../src/core/index.ts'
import { expectError, readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

// "Good standing" is decided twice: in code (standingOf: activation, shares, server features) and
// in SQL (the devices a manifest dry run weighs). These suites hold the two to the same answer, at
// the edges where they could part: the instant a term ends, and each status.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

async function devicesConsidered(): Promise<number> {
  const current = await readJson<ManifestVersionView>(await server.admin('GET', '/manifest'))
  const dryRun = await server.admin('PUT', '/manifest?dryRun=1', current.manifest)
  const result = await readJson<DryRunResult>(dryRun)
  if (!result.impact) throw new Error(`dry run without impact: ${JSON.stringify(result)}`)
  return result.impact.devicesConsidered
}

async function standingsInDatabase(now: number): Promise<string[]> {
  const rows = await server.reader.selectFrom('licenses').select(['status', 'term_end']).execute()
  return rows.map((row) => standingOf(row, now))
}

describe('good standing', () => {
  it('Should weigh exactly the devices of licenses that standingOf calls good - at the instant a term ends and for each status', async () => {
    const start = server.clock.now()
    const endsAtBoundary = await server.activated({ termEnd: start + 1_000 })
    await server.activated({ termEnd: start + 2_000 })
    await server.activated({ termEnd: null })
    const suspended = await server.activated()
    const revoked = await server.activated()
    await server.admin('POST', `/licenses/${suspended.license.id}/suspend`)
    await server.admin('POST', `/licenses/${revoked.license.id}/revoke`)

    // The first term ends exactly now: ended, in code and in SQL alike.
    server.clock.advance(1_000)
    const now = server.clock.now()
    const standings = await standingsInDatabase(now)
    expect(standings.toSorted()).toEqual(['expired', 'good', 'good', 'revoked', 'suspended'])
    expect(await devicesConsidered()).toBe(standings.filter((s) => s === 'good').length)

    // And activation refuses each license that is not in good standing, with its own code.
    const codes = {
      expired: 'license_expired',
      suspended: 'license_suspended',
      revoked: 'license_revoked',
    }
    for (const [license, standing] of [
      [endsAtBoundary.license, 'expired'],
      [suspended.license, 'suspended'],
      [revoked.license, 'revoked'],
    ] as const) {
      const refused = await server.activate(license.key, await server.makeDevice())
      await expectError(refused, 403, codes[standing])
    }
    server.clock.advance(-1_000)
  })
})
