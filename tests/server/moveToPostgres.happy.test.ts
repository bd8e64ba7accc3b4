import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../../server/app.ts'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import { Kek } from '../../server/keys/Kek.ts'
import { moveToPostgres } from '../../server/deployment/moveToPostgres.ts'
import { createServices } from '../../server/services.ts'
import { exportKey, generateEcKeyPair, signProof, toPublicJwk } from '../../src/core/index.ts'
import { BACKEND, DAY, claimsOf, createTestDatabase } from './helpers/testServer.ts'
import type { TestDatabase, ValidateBody } from './helpers/testServer.ts'

let cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

// Moving needs both backends at once: it runs in the PostgreSQL pass of the suite.
describe.skipIf(BACKEND !== 'postgres')('moving an SQLite data folder to PostgreSQL', () => {
  it('keeps licenses, devices, keys and secrets: a device activated before validates after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leeway-move-'))
    const database: TestDatabase = await createTestDatabase()
    cleanups.push(async () => {
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    // Before: one instance on SQLite, with the demo license, a second signing key and a device.
    const before = await openDeployment(dir, { seedDemo: true })
    const s = createServices(before.deps())
    const rootKey = before.rootPrivateKey
    if (!rootKey || !before.demo) throw new Error('no root key or demo license')
    await before.keys.rotate(rootKey, Date.now())
    const license = await s.admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 2,
      termEnd: Date.now() + 30 * DAY,
    })
    const pair = await generateEcKeyPair(false)
    const publicKey = toPublicJwk(await exportKey(pair.publicKey))
    const { grant } = await s.activations.activate(license.key, {
      id: 'moved-laptop',
      name: 'Laptop',
      platform: 'linux',
      publicKey,
    })
    const kept = {
      adminToken: before.adminToken,
      keyHashSecret: before.keyHashSecret,
      issuer: before.issuer,
      root: before.rootPublicJwk,
      demo: before.demo,
      kids: (await before.store.listSigningKeys()).map((row) => row.kid),
    }
    await before.store.close()

    const databaseUrl = database.options.databaseUrl ?? ''
    const kek = Kek.generate()
    const copied = await moveToPostgres(dir, { databaseUrl, kek })
    expect(copied).toMatchObject({ licenses: 2, devices: 1, signing_keys: 2, manifests: 1 })
    await expect(moveToPostgres(dir, { databaseUrl, kek })).rejects.toThrow(/already holds/)

    // After: PostgreSQL only, with the new KEK and a data folder that does not exist.
    const after = await openDeployment(join(dir, 'not-used'), { databaseUrl, kek })
    cleanups.push(() => after.store.close())
    expect(after.backend).toBe('postgres')
    expect({
      adminToken: after.adminToken,
      keyHashSecret: after.keyHashSecret,
      issuer: after.issuer,
      root: after.rootPublicJwk,
      demo: after.demo,
      kids: (await after.store.listSigningKeys()).map((row) => row.kid),
    }).toEqual(kept)
    for (const row of await after.store.listSigningKeys())
      expect(Kek.parse(kek).sealedHere(row.private_jwk)).toBe(true)

    const app = createApp(after.deps())
    const proof = await signProof(
      { jti: claimsOf(grant).jti, ts: Math.floor(Date.now() / 1000) },
      pair.privateKey,
    )
    const response = await app.request('/api/v1/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ checks: [{ grant, proof }] }),
    })
    const [result] = ((await response.json()) as ValidateBody).results
    expect(result?.ok).toBe(true)
    expect(claimsOf(result?.ok ? result.grant : '').seq).toBe(claimsOf(grant).seq + 1)
    // The signer is the newest key, as it was on SQLite.
    expect((await after.keys.signer()).kid).toBe(kept.kids.at(-1))
    const admin = await app.request('/admin/v1/licenses', {
      headers: { authorization: `Bearer ${kept.adminToken}` },
    })
    expect(admin.status).toBe(200)
  })
})
