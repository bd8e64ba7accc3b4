import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SecretName, Secrets } from './Secrets.ts'

// The file names of data folders made before secrets had names: existing folders keep working.
const FILES: Record<SecretName, string> = {
  'admin-token': 'admin-token',
  'key-hash-secret': 'key-hash-secret',
  'root-private-jwk': 'root-key.json',
  'root-public-jwk': 'root.pub.json',
  'demo-license': 'demo-license.json',
}

// The root public key is not secret; everything else is readable by the owner only.
const PUBLIC: ReadonlySet<SecretName> = new Set(['root-public-jwk'])

/** Secrets as files in the data folder (mode 0600). */
export class FileSecrets implements Secrets {
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
  }

  get(name: SecretName): Promise<string | undefined> {
    const file = join(this.#dir, FILES[name])
    return Promise.resolve(existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined)
  }

  sealAll(): Promise<void> {
    return Promise.resolve()
  }

  async init(name: SecretName, value: string): Promise<string> {
    const file = join(this.#dir, FILES[name])
    try {
      // `wx`: never overwrite, so two processes starting on a new folder keep the first value.
      writeFileSync(file, `${value}\n`, { mode: PUBLIC.has(name) ? 0o644 : 0o600, flag: 'wx' })
      return value
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const stored = await this.get(name)
      if (stored === undefined) throw error
      return stored
    }
  }
}
