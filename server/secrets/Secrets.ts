/** What a server needs that every instance must share and nobody else may read. */
export type SecretName =
  'admin-token' | 'key-hash-secret' | 'root-private-jwk' | 'root-public-jwk' | 'demo-license'

/**
 * Where the shared secrets live: files in the data folder (SQLite, one instance) or rows of the
 * settings table sealed under the KEK (PostgreSQL, any number of instances).
 */
export interface Secrets {
  /** The value stored under `name`, if any. */
  get(name: SecretName): Promise<string | undefined>
  /** Stores `value` under `name` unless one is there already; returns the value in force. */
  init(name: SecretName, value: string): Promise<string>
  /** Seals again, under the current KEK, what an earlier KEK sealed (a no-op for files). */
  sealAll(): Promise<void>
}
