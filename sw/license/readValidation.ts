import { readApiError } from '../../src/core/index.ts'

/** One result of a `validate` answer, as the worker reads it before verifying anything. */
export type ValidationEntry =
  { kind: 'grant'; grant: string } | { kind: 'refused'; code: string; message: string }

export interface ValidationAnswer {
  entries: ValidationEntry[]
  certs: string[]
  /** The server's clock (unsigned: good only for dating our own proofs), epoch ms. */
  serverTime: number | null
}

/**
 * Reads a 2xx `validate` answer. It must hold one result per check sent, each a grant or a
 * refusal with a code; anything else did not come from our server (null: interference).
 */
export function readValidation(
  body: Record<string, unknown>,
  checksSent: number,
): ValidationAnswer | null {
  const { results, certs, serverTime } = body
  if (!Array.isArray(results) || results.length !== checksSent) return null
  if (!Array.isArray(certs) || !certs.every((cert) => typeof cert === 'string')) return null
  const entries: ValidationEntry[] = []
  for (const result of results as unknown[]) {
    const entry = (typeof result === 'object' && result !== null ? result : {}) as {
      ok?: unknown
      grant?: unknown
    }
    const refusal = entry.ok === false ? readApiError(entry) : undefined
    if (entry.ok === true && typeof entry.grant === 'string') {
      entries.push({ kind: 'grant', grant: entry.grant })
    } else if (refusal) {
      entries.push({
        kind: 'refused',
        code: refusal.code,
        message: refusal.message || refusal.code,
      })
    } else {
      return null
    }
  }
  return {
    entries,
    certs: certs as string[],
    serverTime: Number.isSafeInteger(serverTime) ? (serverTime as number) : null,
  }
}
