import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import type { Deployment, OpenDeploymentOptions } from '../../server/deployment/openDeployment.ts'
import { Kek, KekError } from '../../server/keys/Kek.ts'
import { createServices } from '../../server/services.ts'
import { exportKey, generateEcKeyPair, toPublicJwk } from '../../src/core/index.ts'
import { BACKEND, DAY, claimsOf, createTestDatabase } from './helpers/testServer.ts'
import type { TestDatabase } from './helpers/testServer.ts'

let cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

async function setUp(): Promise<{ dir: string; database: TestDatabase }> {
  const dir = mkdtempSync(join(tmpdir(), 'leeway-secrets-'))
  const database = await createTestDatabase()
  cleanups.push(async () => {
    await database.drop()
    rmSync(dir, { recursive: true, force: true })
  })
  return { dir, database }
}

async function open(
  dir: string,
  database: TestDatabase,
  options: OpenDeploymentOptions = {},
): Promise<Deployment> {
  const data = await openDeployment(dir, { ...database.options, ...options })
  cleanups.push(() => data.store.close())
  return data
}

describe('the key-encryption key (AES-256-GCM)', () => {
  const kek = Kek.parse(Kek.generate())

  it('opens what it sealed, for the same row only', () => {
    const sealed = kek.seal('{"d":"secret"}', 'signing_keys:a')
    expect(sealed).toMatch(/^lwk1\.[0-9a-f]{16}\./)
    expect(sealed).not.toContain('secret')
    expect(kek.open(sealed, 'signing_keys:a')).toBe('{"d":"secret"}')
    // Copied into another row, the value does not open: the row is the associated data.
    expect(() => kek.open(sealed, 'signing_keys:b')).toThrow(KekError)
  })

  it('refuses an altered value', () => {
    const sealed = kek.seal('value', 'ctx')
    const parts = sealed.split('.')
    const body = Buffer.from(parts[3] ?? '', 'base64url')
    body[0] = (body[0] ?? 0) ^ 1
    parts[3] = body.toString('base64url')
    expect(() => kek.open(parts.join('.'), 'ctx')).toThrow(/does not open/)
  })

  it('names the key that sealed a value when another one is set', () => {
    const other = Kek.parse(Kek.generate())
    expect(() => other.open(kek.seal('value', 'ctx'), 'ctx')).toThrow(
      new RegExp(`sealed with key-encryption key ${kek.id}, but LEEWAY_KEK is ${other.id}`),
    )
  })

  it.each([
    ['base64', Buffer.alloc(32, 7).toString('base64')],
    ['base64url', Buffer.alloc(32, 250).toString('base64url')],
    ['hex', 'ab'.repeat(32)],
  ])('reads a 32-byte key written as %s', (_, text) => {
    expect(Kek.parse(text).id).toMatch(/^[0-9a-f]{16}$/)
  })

  it.each([
    ['too short', Buffer.alloc(16).toString('base64')],
    ['empty', ''],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses a key that is %s', (_, text) => {
    expect(() => Kek.parse(text)).toThrow(/LEEWAY_KEK must be 32 bytes/)
  })
})

describe('signing keys at rest', () => {
  it('stores every private key sealed under the KEK', async () => {
    const { dir, database } = await setUp()
    const data = await open(dir, database)
    const rows = await data.store.listSigningKeys()
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      expect(data.kek.sealedHere(row.private_jwk)).toBe(true)
      expect(row.private_jwk).not.toContain('"d"')
    }
  })

  it('reads rows written before keys were encrypted, and seals them on the next start', async () => {
    const { dir, database } = await setUp()
    const first = await open(dir, database)
    const [row] = await first.store.listSigningKeys()
    if (!row) throw new Error('no signing key')
    // As an older server wrote it: the private JWK in the clear.
    const plaintext = first.kek.open(row.private_jwk, `signing_keys:${row.kid}`)
    await first.store.db
      .updateTable('signing_keys')
      .set({ private_jwk: plaintext })
      .where('kid', '=', row.kid)
      .execute()
    expect((await first.keys.signer()).kid).toBe(row.kid)

    // An SQLite folder of that age has no KEK file yet either: the next start makes one.
    const kekFile = join(dir, 'kek')
    if (BACKEND === 'sqlite') rmSync(kekFile)
    const second = await open(dir, database)
    if (BACKEND === 'sqlite') expect(statSync(kekFile).mode & 0o777).toBe(0o600)
    const [resealed] = await second.store.listSigningKeys()
    expect(resealed?.kid).toBe(row.kid)
    expect(second.kek.sealedHere(resealed?.private_jwk ?? '')).toBe(true)

    // The same key still signs, and its grants verify.
    const s = createServices(second.deps())
    const license = await s.admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 1,
      termEnd: Date.now() + DAY,
    })
    expect(license.key).toBeTruthy()
    expect((await second.keys.signer()).kid).toBe(row.kid)
  })

  it('moves to a new KEK with LEEWAY_KEK_PREVIOUS holding the old one', async () => {
    const { dir, database } = await setUp()
    const oldKek = Kek.generate()
    const first = await open(dir, database, { kek: oldKek })
    const [row] = await first.store.listSigningKeys()
    await first.store.close()

    const newKek = Kek.generate()
    await expect(open(dir, database, { kek: newKek })).rejects.toThrow(/LEEWAY_KEK_PREVIOUS/)
    const second = await open(dir, database, { kek: newKek, previousKeks: [oldKek] })
    const [moved] = await second.store.listSigningKeys()
    expect(moved?.kid).toBe(row?.kid)
    expect(Kek.parse(newKek).sealedHere(moved?.private_jwk ?? '')).toBe(true)
    await second.store.close()
    // Once moved, the old key is no longer needed.
    await open(dir, database, { kek: newKek })
  })
})

describe('secrets shared by every instance', () => {
  it('gives a second instance on the same data the same admin token, key-hash secret, root key and issuer', async () => {
    const { dir, database } = await setUp()
    // On PostgreSQL both start at once on the new database, as instances behind a balancer do; an
    // SQLite folder belongs to one process, so there the second opens after the first.
    const [a, b] =
      BACKEND === 'postgres'
        ? await Promise.all([open(dir, database), open(dir, database)])
        : [await open(dir, database), await open(dir, database)]
    expect(b.adminToken).toBe(a.adminToken)
    expect(b.keyHashSecret).toBe(a.keyHashSecret)
    expect(b.rootPublicJwk).toEqual(a.rootPublicJwk)
    expect(b.issuer).toBe(a.issuer)
    expect(await b.store.listSigningKeys()).toHaveLength(1)

    // A license made through one instance activates through the other.
    const license = await createServices(a.deps()).admin.createLicense({
      product: 'notes',
      plan: 'pro',
      seats: 1,
      termEnd: Date.now() + DAY,
    })
    const device = { id: 'other-instance', name: 'Phone', platform: 'android' }
    const publicKey = toPublicJwk(await exportKey((await generateEcKeyPair(false)).publicKey))
    const granted = await createServices(b.deps()).activations.activate(license.key, {
      ...device,
      publicKey,
    })
    expect(claimsOf(granted.grant).sub).toBe(license.id)
  })

  // SQLite keeps them as files of the folder (mode 0600), as before.
  it.skipIf(BACKEND !== 'postgres')(
    'keeps them sealed in the database on PostgreSQL, and nowhere in the folder',
    async () => {
      const { dir, database } = await setUp()
      const data = await open(dir, database, { seedDemo: true })
      const rows = await data.store.db
        .selectFrom('settings')
        .selectAll()
        .where('key', 'like', 'secret:%')
        .execute()
      expect(rows.map((r) => r.key).sort()).toEqual([
        'secret:admin-token',
        'secret:demo-license',
        'secret:key-hash-secret',
        'secret:root-private-jwk',
        'secret:root-public-jwk',
      ])
      for (const row of rows) expect(data.kek.sealedHere(row.value)).toBe(true)
      expect(JSON.stringify(rows)).not.toContain(data.adminToken)
      expect(existsSync(join(dir, 'admin-token'))).toBe(false)
      expect(existsSync(join(dir, 'kek'))).toBe(false)
    },
  )

  it('takes LEEWAY_ADMIN_TOKEN over the stored token', async () => {
    const { dir, database } = await setUp()
    const stored = (await open(dir, database)).adminToken
    const data = await open(dir, database, { adminToken: 'lwa_from-the-environment' })
    expect(data.adminToken).toBe('lwa_from-the-environment')
    expect(stored).not.toBe(data.adminToken)
  })

  it('refuses LEEWAY_KEY_HASH_SECRET that differs from the stored one: every key would stop matching', async () => {
    const { dir, database } = await setUp()
    const data = await open(dir, database)
    await expect(open(dir, database, { keyHashSecret: 'another-secret' })).rejects.toThrow(
      /LEEWAY_KEY_HASH_SECRET differs/,
    )
    await open(dir, database, { keyHashSecret: data.keyHashSecret })
  })

  it('refuses to start on PostgreSQL without LEEWAY_KEK, before connecting', async () => {
    await expect(
      openDeployment(join(tmpdir(), 'leeway-unused'), {
        databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
      }),
    ).rejects.toThrow(/LEEWAY_KEK is required with DATABASE_URL=postgres/)
  })

  it('refuses a DATABASE_URL that is not PostgreSQL', async () => {
    await expect(
      openDeployment(join(tmpdir(), 'leeway-unused'), {
        databaseUrl: 'mysql://x/y',
        kek: Kek.generate(),
      }),
    ).rejects.toThrow(/DATABASE_URL must be postgres/)
  })
})
