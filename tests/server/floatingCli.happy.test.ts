import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreatedLicense } from '../../src/core/index.ts'
import { startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

const CLI = fileURLToPath(new URL('../../bin/leeway.js', import.meta.url))

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

/** Runs `leeway …` on the test server's data, as an operator would. */
async function leeway(
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('LEEWAY_') && name !== 'DATABASE_URL') env[name] = value
  const { databaseUrl, kek } = server.database.options
  if (databaseUrl) env.DATABASE_URL = databaseUrl
  if (kek) env.LEEWAY_KEK = kek
  const child = spawn(process.execPath, [CLI, ...args, '--data', server.dir], { env })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, out, err }
}

describe('leeway license create --floating 3 --lease PT15M --max-borrow P7D', () => {
  it('creates a floating license whose leases the CLI then lists', async () => {
    const created = await leeway(
      'license',
      'create',
      '--product',
      'notes',
      '--plan',
      'pro',
      '--seats',
      '25',
      '--floating',
      '3',
      '--lease',
      'PT15M',
      '--max-borrow',
      'P7D',
    )
    expect(created.code, created.err).toBe(0)
    const license = JSON.parse(created.out) as CreatedLicense
    expect(license.floating).toEqual({ maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P7D' })
    expect(license.seats).toBe(25)
    const [entry] = await server.data.store.listAudit({ limit: 1 })
    expect(entry).toMatchObject({ action: 'license.create', via: 'cli', target: license.id })
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({
      floating: { maxConcurrent: 3, leaseLength: 'PT15M', maxBorrow: 'P7D' },
    })

    const listed = await leeway('license', 'leases', license.id)
    expect(listed.code, listed.err).toBe(0)
    expect(JSON.parse(listed.out)).toEqual({ items: [] })
  })

  it('refuses --lease without --floating, and creates nothing', async () => {
    const before = await server.data.store.counts()
    const refused = await leeway(
      'license',
      'create',
      '--product',
      'notes',
      '--plan',
      'pro',
      '--seats',
      '5',
      '--lease',
      'PT15M',
    )
    expect(refused.code).not.toBe(0)
    expect(refused.err).toContain('--floating')
    expect(await server.data.store.counts()).toEqual(before)
  })
})

describe('leeway license create --floating 0', () => {
  it('makes a node-locked license, and refuses lease settings beside it', async () => {
    const created = await leeway(
      'license',
      'create',
      '--product',
      'notes',
      '--plan',
      'pro',
      '--seats',
      '2',
      '--floating',
      '0',
    )
    expect(created.code, created.err).toBe(0)
    expect((JSON.parse(created.out) as CreatedLicense).floating ?? null).toBeNull()
    const refused = await leeway(
      'license',
      'create',
      '--product',
      'notes',
      '--plan',
      'pro',
      '--seats',
      '2',
      '--floating',
      '0',
      '--lease',
      'PT15M',
    )
    expect(refused.code).toBe(2)
    expect(refused.err).toContain('--floating 0 (node-locked) takes no --lease or --max-borrow')
  })
})
