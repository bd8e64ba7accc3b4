/** A setting the operator must fix (a missing or mismatched key, a wrong URL); the message says how. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}
