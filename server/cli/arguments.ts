import { parseArgs } from 'node:util'
import { isDuration } from '../../src/core/index.ts'
import { UsageError } from './UsageError.ts'

// Every option of every command: `parseArgs` refuses one it does not know, whatever the command.
const OPTIONS = {
  data: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'no-build': { type: 'boolean' },
  'no-app': { type: 'boolean' },
  'cors-origin': { type: 'string', multiple: true },
  'root-key': { type: 'string' },
  product: { type: 'string' },
  plan: { type: 'string' },
  seats: { type: 'string' },
  'term-end': { type: 'string' },
  'recheck-every': { type: 'string' },
  grace: { type: 'string' },
  note: { type: 'string' },
  floating: { type: 'string' },
  lease: { type: 'string' },
  'max-borrow': { type: 'string' },
  device: { type: 'string' },
  reason: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  key: { type: 'string' },
  code: { type: 'string' },
  'code-file': { type: 'string' },
  out: { type: 'string' },
  private: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'max-lockouts': { type: 'string' },
  author: { type: 'string' },
  server: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The options of a command line, by name. */
export type CliValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values']

/** Splits a command line into its options and its words (`license show ID`). */
export function parseCommandLine(argv: string[]): { values: CliValues; positionals: string[] } {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true })
}

/** `value`, or a `UsageError` that names what is missing. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new UsageError(`${name} is required`)
  return value
}

/** A whole number above 0, for `--seats` and `--limit`. */
export function wholeNumber(value: string, name: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number < 1)
    throw new UsageError(`${name} must be a whole number above 0`)
  return number
}

/** Epoch milliseconds of an ISO 8601 date (`2027-01-31`, `2027-01-31T12:00:00Z`). */
export function isoDate(value: string, name: string): number {
  const time = Date.parse(value)
  if (Number.isNaN(time)) throw new UsageError(`${name} must be an ISO 8601 date, like 2027-01-31`)
  return time
}

/** An ISO 8601 duration (`P7D`), checked and kept as text; absent stays absent. */
export function isoDuration(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined
  if (!isDuration(value))
    throw new UsageError(
      `${name} must be an ISO 8601 duration like P7D (or "never" for --recheck-every)`,
    )
  return value
}
