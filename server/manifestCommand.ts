import { readFileSync } from 'node:fs'
import { Refusal } from './services/Refusal.ts'
import type { ApiErrorCode } from '../src/core/index.ts'
import type { Services } from './services.ts'
import type { ImpactReport, ManifestHistoryItem } from '../src/core/index.ts'

/** The exit code of `leeway manifest apply` when the release gate (`--max-lockouts`) fails. */
export const EXIT_LOCKOUTS = 3

interface PublishedVersion {
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

export interface ManifestOptions {
  dryRun?: boolean | undefined
  maxLockouts?: string | undefined
  note?: string | undefined
  author?: string | undefined
  limit?: string | undefined
  cursor?: string | undefined
}

/** A mistake in the command line; the CLI prints it with the usage. */
export class ManifestUsageError extends Error {}

/** The manifest commands over the services of a data folder (or a shared PostgreSQL). */
export function localManifestClient(s: Services): ManifestClient {
  return {
    dryRun: async (manifest) => (await s.manifests.dryRun(manifest)).impact,
    publish: (manifest, author, note) => s.manifests.publish(manifest, author, note),
    rollback: (version, note) => s.manifests.rollback(version, note),
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

/**
 * `leeway manifest apply FILE [--dry-run] [--max-lockouts N] [--note TEXT] [--author NAME]`,
 * `leeway manifest rollback VERSION [--note TEXT]`, `leeway manifest history [--limit N]`.
 * Returns the exit code: 0, or `EXIT_LOCKOUTS` when more devices than `--max-lockouts` would lose
 * a feature they have now (then nothing is published).
 */
export async function manifestCommand(
  client: ManifestClient,
  sub: string | undefined,
  arg: string | undefined,
  options: ManifestOptions,
  print: (line: string) => void = (line) => console.log(line),
): Promise<number> {
  switch (sub) {
    case 'apply': {
      if (!arg) throw new ManifestUsageError('manifest apply: FILE is required')
      const manifest = readManifestFile(arg)
      const maxLockouts = readMaxLockouts(options.maxLockouts)
      if (options.dryRun || maxLockouts !== undefined) {
        const impact = await client.dryRun(manifest)
        for (const line of impactReport(impact, arg, maxLockouts)) print(line)
        if (maxLockouts !== undefined && impact.lockouts > maxLockouts) {
          print(
            `Release gate failed: ${impact.lockouts} > --max-lockouts ${maxLockouts}. Nothing was published.`,
          )
          return EXIT_LOCKOUTS
        }
        if (options.dryRun) {
          print('Dry run: nothing was published.')
          return 0
        }
      }
      const published = await client.publish(
        manifest,
        options.author ?? 'leeway cli',
        options.note ?? '',
      )
      print(`Published manifest version ${published.version}. Devices get it at their next check.`)
      return 0
    }
    case 'rollback': {
      const version = Number(arg)
      if (!arg || !/^\d+$/.test(arg) || version < 1)
        throw new ManifestUsageError('manifest rollback: VERSION must be a version number')
      const published = await client.rollback(version, options.note)
      print(
        `Published manifest version ${published.version}: the body of version ${version}. Devices get it at their next check.`,
      )
      return 0
    }
    case 'history': {
      const limit = options.limit === undefined ? 20 : Number(options.limit)
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500)
        throw new ManifestUsageError('--limit must be a whole number from 1 to 500')
      const page = await client.history(options.cursor, limit)
      print(
        table(
          ['version', 'published (UTC)', 'author', 'note'],
          page.items.map((item) => [
            String(item.version),
            new Date(item.createdAt).toISOString().replace('T', ' ').slice(0, 19),
            item.author,
            item.note,
          ]),
          [true, false, false, false],
        ),
      )
      if (page.nextCursor) print(`More: leeway manifest history --cursor ${page.nextCursor}`)
      return 0
    }
    default:
      throw new ManifestUsageError('manifest: use apply, rollback or history')
  }
}

/** The impact report as lines a person reads in a terminal or a CI log. */
export function impactReport(impact: ImpactReport, file: string, maxLockouts?: number): string[] {
  const lines = [
    `Impact of ${file} against manifest version ${impact.currentVersion}, over ${plural(impact.devicesConsidered, 'device')} in good standing.`,
  ]
  const losing = impact.features.filter(
    (feature) => feature.now + feature.in1d + feature.in7d + feature.in30d > 0,
  )
  if (losing.length === 0) {
    lines.push('No device would lose a feature, now or offline for up to 30 days.')
  } else {
    lines.push(
      'Devices that would lose a feature they would otherwise have, if they stay offline from their last check:',
      '',
      table(
        ['product', 'feature', 'now', 'in 1 day', 'in 7 days', 'in 30 days'],
        losing.map((f) => [
          f.product,
          f.feature,
          String(f.now),
          String(f.in1d),
          String(f.in7d),
          String(f.in30d),
        ]),
        [false, false, true, true, true, true],
      ),
      '',
    )
  }
  const limit = maxLockouts === undefined ? '' : ` (--max-lockouts ${maxLockouts})`
  lines.push(
    `Lockouts: ${plural(impact.lockouts, 'device')} would lose a feature ${impact.lockouts === 1 ? 'it has' : 'they have'} now${limit}.`,
  )
  return lines
}

function readManifestFile(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new ManifestUsageError(`cannot read ${file}`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new ManifestUsageError(`${file} is not valid JSON`)
  }
}

function readMaxLockouts(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value))
    throw new ManifestUsageError('--max-lockouts must be a whole number (0 or more)')
  return Number(value)
}

// Header values are Latin-1 on one line: anything else is replaced rather than refused.
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?').slice(0, 500)
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function table(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const format = (row: string[]) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return numeric[column] ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  return [format(header), ...rows.map(format)].map((line) => `  ${line}`).join('\n')
}
