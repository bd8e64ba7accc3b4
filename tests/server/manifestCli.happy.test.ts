import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MANIFEST } from '../../server/demoManifest.ts'
import { remoteManifestClient } from '../../server/cli/manifestClients.ts'
import { EXIT_LOCKOUTS, manifestCommand } from '../../server/cli/manifestCommand.ts'
import { Refusal } from '../../server/services/Refusal.ts'
import { readJson, startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

const CLI = fileURLToPath(new URL('../../bin/leeway.js', import.meta.url))

let server: TestServer
/** A manifest whose pro plan loses `notes.search`: every pro device loses a feature it has now. */
let narrower: string
let same: string

beforeAll(async () => {
  server = await startTestServer()
  // Perpetual licenses: the CLI runs on the real clock, the test server on its own.
  const license = await server.createLicense({ termEnd: null, seats: 3 })
  for (const id of ['laptop', 'desktop'])
    await server.activateOk(license.key, await server.makeDevice(id))
  const manifest = structuredClone(DEMO_MANIFEST) as unknown as {
    products: { notes: { plans: { pro: { features: string[] } } } }
  }
  manifest.products.notes.plans.pro.features = manifest.products.notes.plans.pro.features.filter(
    (feature) => feature !== 'notes.search',
  )
  narrower = join(server.dir, 'narrower.json')
  writeFileSync(narrower, JSON.stringify(manifest))
  same = join(server.dir, 'same.json')
  writeFileSync(same, JSON.stringify(DEMO_MANIFEST))
})

afterAll(async () => {
  await server.close()
})

/** Runs `leeway …` on the test server's data, as an operator would. */
async function leeway(...args: string[]): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('LEEWAY_') && name !== 'DATABASE_URL') env[name] = value
  const { databaseUrl, kek } = server.database.options
  if (databaseUrl) env.DATABASE_URL = databaseUrl
  if (kek) env.LEEWAY_KEK = kek
  const child = spawn(process.execPath, [CLI, ...args, '--data', server.dir], { env })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, out }
}

async function currentVersion(): Promise<number> {
  server.clock.advance(5_000) // past the server's manifest cache: the CLI wrote behind its back
  return (await readJson<{ version: number }>(await server.admin('GET', '/manifest'))).version
}

describe('leeway manifest apply --dry-run --max-lockouts (the release gate)', () => {
  it('exits 3 with a readable report when more devices would lose a feature than allowed', async () => {
    const { code, out } = await leeway(
      'manifest',
      'apply',
      narrower,
      '--dry-run',
      '--max-lockouts',
      '1',
    )
    expect(code).toBe(EXIT_LOCKOUTS)
    expect(out).toContain('over 2 devices in good standing')
    expect(out).toMatch(/notes\s+notes\.search\s+2\s+2\s+2\s+2/)
    expect(out).toContain('Lockouts: 2 devices would lose a feature')
    expect(out).toContain('Release gate failed: 2 > --max-lockouts 1. Nothing was published.')
    expect(await currentVersion()).toBe(1)
  })

  it('exits 0 when the limit holds, and still publishes nothing', async () => {
    const { code, out } = await leeway(
      'manifest',
      'apply',
      narrower,
      '--dry-run',
      '--max-lockouts',
      '2',
    )
    expect(code).toBe(0)
    expect(out).toContain('Dry run: nothing was published.')
    expect(await currentVersion()).toBe(1)
  })
})

describe('leeway manifest apply, rollback and history', () => {
  it('refuses to publish past the gate, publishes within it, rolls back, and lists it all', async () => {
    const refused = await leeway('manifest', 'apply', narrower, '--max-lockouts', '0')
    expect(refused.code).toBe(EXIT_LOCKOUTS)
    expect(await currentVersion()).toBe(1)

    const applied = await leeway(
      'manifest',
      'apply',
      narrower,
      '--note',
      'search moves to a new plan',
      '--author',
      'release-bot',
    )
    expect(applied.code).toBe(0)
    expect(applied.out).toContain('Published manifest version 2')

    const rolledBack = await leeway('manifest', 'rollback', '1')
    expect(rolledBack.code).toBe(0)
    expect(await currentVersion()).toBe(3)

    const history = await leeway('manifest', 'history')
    expect(history.code).toBe(0)
    expect(history.out).toMatch(/3 .* rollback +rollback to version 1/)
    expect(history.out).toMatch(/2 .* release-bot +search moves to a new plan/)
    expect(history.out).toMatch(/1 .* leeway init +demo manifest/)
  })
})

describe('the manifest commands through a server’s admin API (--server)', () => {
  const through = (token: string) =>
    remoteManifestClient('http://leeway.test/', token, async (input, init) =>
      server.app.request(String(input).replace('http://leeway.test', ''), init),
    )

  it('report the same impact and hold the same gate', async () => {
    const lines: string[] = []
    const code = await manifestCommand(
      through(server.data.adminToken),
      'apply',
      same,
      { dryRun: true, maxLockouts: '0' },
      (line) => lines.push(line),
    )
    expect(code).toBe(0)
    expect(lines.join('\n')).toContain('No device would lose a feature')
  })

  it('say what the server refused', async () => {
    await expect(
      manifestCommand(through('lwa_wrong'), 'history', undefined, {}, () => undefined),
    ).rejects.toThrow(Refusal)
  })
})
