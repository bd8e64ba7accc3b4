import type { ServedLicenseState, WorkerError, WorkerErrorCode } from '../../src/core/index.ts'

/** The outcome a caller of `activate`, `import` or `deactivate` gets: a state, or a failure's code. */
export type ActionResult = { ok: true; state: ServedLicenseState; queued?: boolean } | ActionFailure

/** A failure, with the HTTP status its endpoint answers with; the page has the words. */
export type ActionFailure = WorkerError & { ok: false; status: number }

/** A failure of the worker's own; `retryAt` where the server said when to try again. */
export function fail(
  status: number,
  code: WorkerErrorCode,
  retryAt: number | null = null,
): ActionFailure {
  return retryAt === null ? { ok: false, status, code } : { ok: false, status, code, retryAt }
}
