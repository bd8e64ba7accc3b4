import type { Kek } from '../keys/Kek.ts'
import type { Store } from '../storage/Store.ts'
import type { SecretName, Secrets } from './Secrets.ts'

const NAMES: readonly SecretName[] = [
  'admin-token',
  'key-hash-secret',
  'root-private-jwk',
  'root-public-jwk',
  'demo-license',
]

/**
 * Secrets as rows of the settings table (`secret:<name>`), sealed under the KEK: every instance on
 * one database reads the same ones, and a database dump alone does not reveal them.
 */
export class DatabaseSecrets implements Secrets {
  readonly #store: Store
  readonly #kek: Kek

  constructor(store: Store, kek: Kek) {
    this.#store = store
    this.#kek = kek
  }

  async get(name: SecretName): Promise<string | undefined> {
    const sealed = await this.#store.getSetting(settingKey(name))
    return sealed === undefined ? undefined : this.#kek.open(sealed, settingKey(name))
  }

  async init(name: SecretName, value: string): Promise<string> {
    const key = settingKey(name)
    // initSetting keeps the first value written: instances racing here all end up with one value.
    const sealed = await this.#store.initSetting(key, this.#kek.seal(value, key))
    return this.#kek.open(sealed, key)
  }

  /** Seals again, under the current KEK, every stored secret an earlier KEK sealed. */
  async sealAll(): Promise<void> {
    for (const name of NAMES) {
      const key = settingKey(name)
      const stored = await this.#store.getSetting(key)
      if (stored === undefined || this.#kek.sealedHere(stored)) continue
      await this.#store.resealSetting(key, stored, this.#kek.seal(this.#kek.open(stored, key), key))
    }
  }
}

function settingKey(name: SecretName): string {
  return `secret:${name}`
}
