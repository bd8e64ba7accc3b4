import { ManifestInvalid, parseManifest } from '../../core/index.ts'
import type { Manifest } from '../../core/index.ts'
import { locateJsonError } from './locateJsonError.ts'

export type ManifestCheck = { ok: true; manifest: Manifest } | { ok: false; problems: string[] }

/**
 * Checks the editor's text before anything is sent: that it is JSON, then the core's manifest
 * schema (the same one the server applies). The server may still refuse what only it can judge
 * (dropping a product that has licenses).
 */
export function checkManifestText(text: string): ManifestCheck {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const located = locateJsonError(text)
    const problem = located
      ? `Not valid JSON at line ${located.line}, column ${located.column}: ${located.message}.`
      : `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`
    return { ok: false, problems: [problem] }
  }
  try {
    return { ok: true, manifest: parseManifest(value) }
  } catch (error) {
    if (error instanceof ManifestInvalid) return { ok: false, problems: splitIssues(error.issues) }
    throw error
  }
}

// The core joins a schema failure's first issues with "; ": one line each reads better.
function splitIssues(issues: readonly string[]): string[] {
  return issues.flatMap((issue) => issue.split('; ')).filter(Boolean)
}
