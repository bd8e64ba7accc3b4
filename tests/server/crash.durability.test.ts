import Sqlite from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import { createServices } from '../../server/services.ts'
import { exportKey, generateEcKeyPair, signProof, toPublicJwk } from '../../src/core/index.ts'
import type { CryptoKey } from '../../src/core/index.ts'
import { startServerProcess } from './helpers/serverProcess.ts'
import type { ServerProcess } from './helpers/serverProcess.ts'
import { BACKEND, DAY, claimsOf, createTestDatabase } from './helpers/testServer.ts'
import type { GrantBody, TestDatabase, ValidateBody } from './helpers/testServer.ts'

// A real server process on 127.0.0.1, killed with SIGKILL in the middle of a stream of
// activations and validations from a few concurrent clients, then started again on the same data.
// Whatever it answered 200 for must be in the database afterwards.

const REQUESTS = 1_000
const CLIENTS = 4
const KILL_AFTER_ANSWERS = 450

interface Answered {
  kind: 'activate' | 'validate'
  deviceId: string
  seq: number
  /** The grant's `iat` in milliseconds: the check-in the server recorded. */
  iatMs: number
}

interface Phone {
  id: string
  privateKey: CryptoKey
  grant: string
}

let dir: string
let database: TestDatabase
let licenseId: string
let licenseKey: string
// Whatever server is up when a test fails is killed by afterAll, not left running.
let server: ServerProcess | undefined

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leeway-crash-'))
  database = await createTestDatabase()
  const setup = await openDeployment(dir, database.options)
  const license = await createServices(setup.deps()).admin.createLicense({
    product: 'notes',
    plan: 'pro',
    seats: 5_000,
    termEnd: Date.now() + 30 * DAY,
  })
  licenseId = license.id
  licenseKey = license.key
  await setup.store.close()
})

afterAll(async () => {
  if (server?.child.exitCode === null && server.child.signalCode === null) await server.kill()
  await database.drop()
  rmSync(dir, { recursive: true, force: true })
})

function integrityCheck(): unknown {
  const db = new Sqlite(join(dir, 'leeway.db'))
  try {
    return db.pragma('integrity_check')
  } finally {
    db.close()
  }
}

describe(`kill -9 in the middle of ${REQUESTS} activations and validations (${BACKEND})`, () => {
  it('keeps every answered request after a restart, and the server starts without repair', async () => {
    let live = (server = await startServerProcess(dir, database))
    let restarted: Promise<void> | undefined
    const answered: Answered[] = []
    let answeredBeforeKill = 0
    let failed = 0
    const refused: string[] = []
    let issued = 0

    const kill = async () => {
      answeredBeforeKill = answered.length
      const exit = await live.kill()
      // A process killed by a signal has no exit code: the signal is the proof it was SIGKILL.
      expect(exit).toEqual({ exitCode: null, signalCode: 'SIGKILL' })
      if (BACKEND === 'sqlite') expect(integrityCheck()).toEqual([{ integrity_check: 'ok' }])
      live = server = await startServerProcess(dir, database)
    }

    const post = async (path: string, body: unknown): Promise<Response | undefined> => {
      try {
        return await fetch(`${live.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        })
      } catch {
        // No answer: the server died under this request. Wait for it to be back.
        failed += 1
        await restarted
        return undefined
      }
    }

    const record = async (entry: Answered) => {
      answered.push(entry)
      if (answered.length === KILL_AFTER_ANSWERS && !restarted) {
        restarted = kill()
        await restarted
      }
    }

    const client = async (c: number) => {
      const phones: Phone[] = []
      while (issued < REQUESTS) {
        const n = issued++
        const phone = n % 2 === 1 ? phones[n % phones.length] : undefined
        if (phone) {
          const proof = await signProof(
            { jti: claimsOf(phone.grant).jti, ts: Math.floor(Date.now() / 1000) },
            phone.privateKey,
          )
          const response = await post('/api/v1/validate', {
            checks: [{ grant: phone.grant, proof }],
          })
          if (!response) continue
          const body = (await response.json()) as ValidateBody
          const [result] = body.results
          if (response.status !== 200 || !result?.ok) {
            refused.push(`validate ${response.status} ${JSON.stringify(body)}`)
            continue
          }
          phone.grant = result.grant
          const claims = claimsOf(result.grant)
          await record({
            kind: 'validate',
            deviceId: phone.id,
            seq: claims.seq,
            iatMs: claims.iat * 1000,
          })
        } else {
          const pair = await generateEcKeyPair(false)
          const id = `crash-${c}-${n}`
          const response = await post('/api/v1/activate', {
            licenseKey,
            device: {
              id,
              name: 'Crash test',
              platform: 'linux',
              publicKey: toPublicJwk(await exportKey(pair.publicKey)),
            },
          })
          if (!response) continue
          if (response.status !== 200) {
            refused.push(`activate ${response.status} ${await response.text()}`)
            continue
          }
          const { grant } = (await response.json()) as GrantBody
          phones.push({ id, privateKey: pair.privateKey, grant })
          const claims = claimsOf(grant)
          await record({
            kind: 'activate',
            deviceId: id,
            seq: claims.seq,
            iatMs: claims.iat * 1000,
          })
        }
      }
    }

    const started = performance.now()
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))
    const seconds = (performance.now() - started) / 1000
    console.log(
      `${BACKEND}: ${answered.length} answered, ${failed} cut by the kill, in ${seconds.toFixed(1)} s with one restart (${Math.round(REQUESTS / seconds)} requests/s)`,
    )

    expect(restarted).toBeDefined()
    expect(refused).toEqual([])
    expect(answeredBeforeKill).toBe(KILL_AFTER_ANSWERS)
    // Only requests in flight at the kill go unanswered: at most one per client.
    expect(failed).toBeLessThanOrEqual(CLIENTS)
    expect(answered.length + failed).toBe(REQUESTS)
    expect(answered.filter((a) => a.kind === 'validate').length).toBeGreaterThan(REQUESTS / 3)

    // The restarted server answers, and so does a fresh connection to its database.
    expect((await fetch(`${live.url}/healthz`)).status).toBe(200)
    await live.stop()
    const reader = database.openReader(dir)
    try {
      const rows = await reader
        .selectFrom('devices')
        .select(['device_id', 'state', 'seq', 'last_seen_at'])
        .where('license_id', '=', licenseId)
        .execute()
      const byId = new Map(rows.map((row) => [row.device_id, row]))
      const lost = answered.filter((a) => {
        const row = byId.get(a.deviceId)
        return !row || row.state !== 'active' || row.seq < a.seq || row.last_seen_at < a.iatMs
      })
      expect(lost).toEqual([])
      expect(rows.length).toBeGreaterThanOrEqual(
        answered.filter((a) => a.kind === 'activate').length,
      )
      const orphans = await reader
        .selectFrom('devices')
        .leftJoin('licenses', 'licenses.id', 'devices.license_id')
        .select('devices.device_id')
        .where('licenses.id', 'is', null)
        .execute()
      expect(orphans).toEqual([])
    } finally {
      await reader.destroy()
    }
    if (BACKEND === 'sqlite') expect(integrityCheck()).toEqual([{ integrity_check: 'ok' }])
  })
})
