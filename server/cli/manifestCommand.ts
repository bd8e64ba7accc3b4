import { readFileSync } from 'node:fs'
import type { CliValues } from './arguments.ts'
import { impactReport } from './impactReport.ts'
import type { ManifestClient } from './manifestClients.ts'
import { table } from './table.ts'
import { UsageError } from './UsageError.ts'

/** The exit code of `leeway manifest apply` when the release gate (`--max-lockouts`) fails. */
export const EXIT_LOCKOUTS = 3

export interface ManifestOptions {
  dryRun?: boolean | undefined
  maxLockouts?: string | undefined
  note?: string | undefined
  author?: string | undefined
  limit?: string | undefined
  cursor?: string | undefined
}

/** The options of a command line that the manifest commands read. */
export function manifestOptions(values: CliValues): ManifestOptions {
  return {
    dryRun: values['dry-run'],
    maxLockouts: values['max-lockouts'],
    note: values.note,
    author: values.author,
    limit: values.limit,
    cursor: values.cursor,
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
      if (!arg) throw new UsageError('manifest apply: FILE is required')
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
        throw new UsageError('manifest rollback: VERSION must be a version number')
      const published = await client.rollback(version, options.note)
      print(
        `Published manifest version ${published.version}: the body of version ${version}. Devices get it at their next check.`,
      )
      return 0
    }
    case 'history': {
      const limit = options.limit === undefined ? 20 : Number(options.limit)
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500)
        throw new UsageError('--limit must be a whole number from 1 to 500')
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
      throw new UsageError('manifest: use apply, rollback or history')
  }
}

function readManifestFile(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new UsageError(`cannot read ${file}`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new UsageError(`${file} is not valid JSON`)
  }
}

function readMaxLockouts(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value))
    throw new UsageError('--max-lockouts must be a whole number (0 or more)')
  return Number(value)
}
