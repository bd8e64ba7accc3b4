import { LeewayError } from '../../src/core/index.ts'
import type { ApiErrorBody, ApiErrorCode, ApiErrorDetails } from '../../src/core/index.ts'

/**
 * A request the server declines, by stable code (src/core/api.ts): a bad key, a full license, a
 * replayed proof. Services raise it, or return it as a value where one call answers many checks
 * (validate); only the HTTP layer (server/http/refusalStatus.ts) decides which status it is sent
 * with. Anything else thrown is a fault of the server, answered `internal` and logged.
 */
export class Refusal<C extends ApiErrorCode = ApiErrorCode> extends Error {
  readonly code: C
  readonly details: ApiErrorDetails<C> | undefined

  constructor(code: C, message: string, details?: ApiErrorDetails<C>) {
    super(message)
    this.name = 'Refusal'
    this.code = code
    this.details = details
  }

  toJSON(): ApiErrorBody<C> {
    const error: ApiErrorBody<C>['error'] = { code: this.code, message: this.message }
    if (this.details !== undefined) error.details = this.details
    return { error }
  }
}

/** The core's integrity failure as a refusal with `code`; any other error is the server's fault. */
export async function refusedAs<T>(
  code: 'grant_invalid' | 'proof_invalid',
  verify: () => Promise<T>,
): Promise<T | Refusal> {
  try {
    return await verify()
  } catch (error) {
    if (error instanceof LeewayError) return new Refusal(code, `${error.code}: ${error.message}`)
    throw error
  }
}
