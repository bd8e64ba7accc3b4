import type { ServedLicenseState } from '../../src/core/index.ts'

/** The outcome a caller of `activate`, `import` or `deactivate` gets: a state, or an error to show. */
export type ActionResult =
  | { ok: true; state: ServedLicenseState; queued?: boolean }
  | { ok: false; status: number; code: string; message: string }

export type ActionFailure = Extract<ActionResult, { ok: false }>

export function fail(status: number, code: string, message: string): ActionFailure {
  return { ok: false, status, code, message }
}
