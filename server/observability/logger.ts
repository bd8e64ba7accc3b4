import { pino } from 'pino'
import type { DestinationStream, Logger } from 'pino'

export type { Logger }

// Nothing secret is ever passed to the logger (see requestObserver); these paths are a backstop
// should a later change log an object that carries one.
const REDACT = [
  'licenseKey',
  'grant',
  'proof',
  'token',
  'authorization',
  '*.licenseKey',
  '*.grant',
  '*.proof',
  '*.token',
  '*.authorization',
]

/**
 * The server's structured JSON logger (pino): one object a line on stdout, or on `destination`.
 * @example const log = createLogger({ level: logLevelFromEnv() })
 */
export function createLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'leeway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    options.destination,
  )
}

/**
 * Standard output for the server's logs, written asynchronously: lines that come while a write is
 * under way go out together in the next one, instead of a blocking write of each line by the
 * event loop. Whatever is still buffered is written at exit; a crash can lose the last lines.
 */
export function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false })
}

/** A logger that writes nothing: what an app gets when it is given none (tests, tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}

/**
 * The level from `LOG_LEVEL` (`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`);
 * `info` by default, `silent` under a test runner so that suites stay quiet unless asked.
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = env.LOG_LEVEL?.trim()
  if (level) return level
  return env.NODE_ENV === 'test' || env.VITEST ? 'silent' : 'info'
}
