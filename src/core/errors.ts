/** Stable codes for integrity failures: callers switch on `code`, never on the message. */
export type CoreErrorCode =
  | 'token_malformed'
  | 'alg_not_allowed'
  | 'typ_mismatch'
  | 'kid_unknown'
  | 'cert_invalid'
  | 'cert_not_valid'
  | 'signature_invalid'
  | 'claims_invalid'
  | 'proof_invalid'
  | 'manifest_invalid'
  | 'duration_invalid'

/** Base of every error the core throws on purpose. */
export class LeewayError extends Error {
  readonly code: CoreErrorCode

  constructor(code: CoreErrorCode, message: string) {
    super(message)
    this.name = 'LeewayError'
    this.code = code
  }
}

export class TokenMalformed extends LeewayError {
  constructor(message = 'token is not a well-formed compact JWS') {
    super('token_malformed', message)
  }
}

export class AlgNotAllowed extends LeewayError {
  constructor(alg: unknown) {
    super('alg_not_allowed', `alg ${JSON.stringify(alg)} is not allowed; only ES256 is`)
  }
}

export class TypMismatch extends LeewayError {
  constructor(expected: string, got: unknown) {
    super('typ_mismatch', `expected typ ${expected}, got ${JSON.stringify(got)}`)
  }
}

export class KidUnknown extends LeewayError {
  constructor(kid: unknown) {
    super('kid_unknown', `no valid certificate for kid ${JSON.stringify(kid)}`)
  }
}

export class CertInvalid extends LeewayError {
  constructor(message: string) {
    super('cert_invalid', message)
  }
}

export class CertNotValid extends LeewayError {
  constructor(message: string) {
    super('cert_not_valid', message)
  }
}

export class SignatureInvalid extends LeewayError {
  constructor(what: string) {
    super('signature_invalid', `${what} signature does not verify`)
  }
}

export class ClaimsInvalid extends LeewayError {
  constructor(message: string) {
    super('claims_invalid', message)
  }
}

export class ProofInvalid extends LeewayError {
  constructor(message: string) {
    super('proof_invalid', message)
  }
}

export class ManifestInvalid extends LeewayError {
  readonly issues: readonly string[]

  constructor(issues: readonly string[]) {
    super('manifest_invalid', `manifest is invalid: ${issues.join('; ')}`)
    this.issues = issues
  }
}

export class DurationInvalid extends LeewayError {
  constructor(value: unknown) {
    super(
      'duration_invalid',
      `${JSON.stringify(value)} is not a supported ISO 8601 duration (use weeks, days, hours, minutes, seconds: P7D, PT12H)`,
    )
  }
}
