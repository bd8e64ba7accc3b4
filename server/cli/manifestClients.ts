import type { Services } from '../services.ts'
import type { ApiErrorCode, ImpactReport, ManifestHistoryItem } from '../../src/core/index.ts'
import { Refusal } from '../services/Refusal.ts'
import { cliActor } from './cliActor.ts'

/** A manifest version as publishing or rolling back answers it. */
export interface PublishedVersion {
  version: number
  author: string
  note: string
  createdAt: number
}

/** What the manifest commands need, from the data folder or from a server's admin API. */
export interface ManifestClient {
  dryRun(manifest: unknown): Promise<ImpactReport>
  publish(manifest: unknown, author: string, note: string): Promise<PublishedVersion>
  rollback(version: number, note: string | undefined): Promise<PublishedVersion>
  history(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: ManifestHistoryItem[]; nextCursor: string | null }>
}

/** The manifest commands over the services of a data folder (or a shared PostgreSQL). */
export function localManifestClient(s: Services): ManifestClient {
  return {
    dryRun: async (manifest) => (await s.manifests.dryRun(manifest)).impact,
    publish: (manifest, author, note) =>
      s.manifests.publish(manifest, author, note, cliActor(author)),
    rollback: (version, note) => s.manifests.rollback(version, note, cliActor()),
    history: (cursor, limit) =>
      s.manifests.history(cursor === undefined ? undefined : Number(cursor), limit),
  }
}

/**
 * The manifest commands over a running server's admin API (`--server URL`), for CI jobs that hold
 * the admin token (in `LEEWAY_ADMIN_TOKEN`, never on the command line) but not the database.
 */
export function remoteManifestClient(
  server: string,
  token: string,
  fetchImpl: typeof fetch = fetch,
): ManifestClient {
  const base = `${server.replace(/\/+$/, '')}/admin/v1`
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    let response: Response
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (error) {
      const reason = String(error instanceof Error ? (error.cause ?? error) : error)
      throw new Refusal('internal', `cannot reach ${base}: ${reason}`)
    }
    const answer = (await response.json().catch(() => undefined)) as
      { error?: { code?: string; message?: string } } | undefined
    if (response.ok && answer !== undefined) return answer as T
    const code = (answer?.error?.code ?? 'internal') as ApiErrorCode
    throw new Refusal(code, answer?.error?.message ?? `the server answered ${response.status}`)
  }
  return {
    dryRun: async (manifest) => {
      const answer = await call<{ impact?: ImpactReport }>('PUT', '/manifest?dryRun=1', manifest)
      if (!answer.impact) throw new Refusal('internal', 'the server reported no impact')
      return answer.impact
    },
    publish: (manifest, author, note) =>
      call('PUT', '/manifest', manifest, {
        'x-leeway-author': headerSafe(author),
        'x-leeway-note': headerSafe(note),
      }),
    rollback: (version, note) =>
      call('POST', '/manifest/rollback', note === undefined ? { version } : { version, note }),
    history: (cursor, limit) =>
      call(
        'GET',
        `/manifest/history?${new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) })}`,
      ),
  }
}

// Header values are Latin-1 on one line: anything else is replaced rather than refused.
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?').slice(0, 500)
}
