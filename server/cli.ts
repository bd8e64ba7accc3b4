import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isDuration } from '../src/core/index.ts'
import { ApiError } from './http/ApiError.ts'
import { ConfigError } from './config/ConfigError.ts'
import { deploymentSettingsFromEnv } from './config/deploymentSettings.ts'
import { openDeployment } from './deployment/openDeployment.ts'
import { readPrivateKeyFile } from './deployment/rootKey.ts'
import { KekError } from './keys/Kek.ts'
import type { Deployment } from './deployment/openDeployment.ts'
import {
  ManifestUsageError,
  localManifestClient,
  manifestCommand,
  remoteManifestClient,
} from './manifestCommand.ts'
import { moveToPostgres } from './moveToPostgres.ts'
import { createServices } from './services.ts'
import type { Services } from './services.ts'
import { serve as serveProduct } from './serve.ts'

const USAGE = `leeway — the Leeway license server and its tools

Usage: leeway <command> [options]       (every command takes --data DIR, default $LEEWAY_DATA or ./data)

  init                                   create the data folder (keys, database, admin token, demo license)
  serve [--port N] [--host H] [--no-build]
                                         serve the app and the API (default 127.0.0.1:8787)
  keys rotate [--root-key FILE]          new signing key, certified by the root key
  keys export-root [--private]           print the root public key (JWK) to pin into the app;
                                         --private: the private key, to keep it off the server
  move-to-postgres                       copy the data folder into the empty PostgreSQL database
                                         of DATABASE_URL, sealed under LEEWAY_KEK (docs/operations.md)
  license create --product P --plan P --seats N [--term-end DATE] [--recheck-every DURATION|never]
                 [--grace DURATION] [--note TEXT]
  license list [--limit N] [--cursor C]
  license show ID
  license revoke|suspend|reinstate ID [--reason TEXT]
  license renew ID --term-end DATE
  offline-activate --key KEY (--code CODE | --code-file FILE) [--out FILE]
                                         make a license file for an air-gapped device
  manifest apply FILE [--dry-run] [--max-lockouts N] [--note TEXT] [--author NAME]
                                         publish a new policy; --dry-run prints its impact on the
                                         devices in good standing and publishes nothing;
                                         --max-lockouts N exits 3 (publishing nothing) when more
                                         than N devices would lose a feature they have now
  manifest rollback VERSION [--note TEXT]
                                         publish an earlier version's body as a new version
  manifest history [--limit N] [--cursor C]
                                         the versions, newest first
                                         (manifest commands: --server URL works through that
                                         server's admin API with $LEEWAY_ADMIN_TOKEN instead)

DATE is ISO 8601 (2027-01-31 or 2027-01-31T12:00:00Z); DURATION is ISO 8601 (P7D, PT12H).`

const OPTIONS = {
  data: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'no-build': { type: 'boolean' },
  'root-key': { type: 'string' },
  product: { type: 'string' },
  plan: { type: 'string' },
  seats: { type: 'string' },
  'term-end': { type: 'string' },
  'recheck-every': { type: 'string' },
  grace: { type: 'string' },
  note: { type: 'string' },
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

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values']

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
  })
  const [command, sub, arg] = positionals
  if (values.help || !command) {
    console.log(USAGE)
    return command || values.help ? 0 : 2
  }
  const dataDir = values.data ?? process.env.LEEWAY_DATA ?? './data'

  if (command === 'serve') return serve(dataDir, values)
  if (command === 'move-to-postgres') return move(dataDir)
  if (command === 'manifest' && values.server !== undefined) {
    const token = process.env.LEEWAY_ADMIN_TOKEN?.trim()
    if (!token) throw new UsageError('--server needs the admin token in LEEWAY_ADMIN_TOKEN')
    return manifestCommand(
      remoteManifestClient(values.server, token),
      sub,
      arg,
      manifestOptions(values),
    )
  }
  const data = await openDeployment(dataDir, {
    ...deploymentSettingsFromEnv(),
    seedDemo: command === 'init',
  })
  try {
    const s = createServices(data.deps())
    switch (command) {
      case 'init':
        console.log(
          data.backend === 'postgres'
            ? 'Database: PostgreSQL (DATABASE_URL)'
            : `Data folder: ${data.dir}`,
        )
        console.log(`Admin token: ${data.adminToken}`)
        if (data.demo) console.log(`Demo license key: ${data.demo.key}`)
        return 0
      case 'keys':
        return await keys(data, sub, values)
      case 'license':
        return await license(s, sub, arg, values)
      case 'offline-activate':
        return await offlineActivate(s, values)
      case 'manifest':
        return await manifestCommand(localManifestClient(s), sub, arg, manifestOptions(values))
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } finally {
    await data.store.close()
  }
}

async function serve(dataDir: string, values: Values): Promise<number> {
  const running = await serveProduct({
    dataDir,
    port: Number(values.port ?? process.env.PORT ?? 8787),
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    build: !values['no-build'] && process.env.LEEWAY_SKIP_BUILD !== '1',
  })
  await new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await running.stop()
  return 0
}

async function move(dataDir: string): Promise<number> {
  const { databaseUrl, kek } = deploymentSettingsFromEnv()
  if (!databaseUrl || !kek)
    throw new UsageError('move-to-postgres needs DATABASE_URL=postgres://… and LEEWAY_KEK')
  const copied = await moveToPostgres(dataDir, { databaseUrl, kek })
  for (const [table, rows] of Object.entries(copied)) console.log(`${table}: ${rows} rows`)
  console.log('Done. Start every instance with the same DATABASE_URL and LEEWAY_KEK.')
  return 0
}

async function keys(data: Deployment, sub: string | undefined, values: Values): Promise<number> {
  if (sub === 'export-root') {
    if (values.private) {
      const jwk = await data.secrets.get('root-private-jwk')
      if (jwk === undefined) throw new UsageError('the root private key is not on this server')
      console.error('The root private key: keep it offline; whoever holds it can certify keys.')
      console.log(jwk)
      return 0
    }
    console.log(JSON.stringify(data.rootPublicJwk))
    return 0
  }
  if (sub === 'rotate') {
    const rootKey = values['root-key']
      ? await readPrivateKeyFile(values['root-key'])
      : data.rootPrivateKey
    if (!rootKey)
      throw new UsageError('the root private key is not in the data folder: pass --root-key FILE')
    const kid = await data.keys.rotate(rootKey, Date.now())
    console.log(`New signing key: ${kid}`)
    return 0
  }
  throw new UsageError('keys: use "rotate" or "export-root"')
}

async function license(
  s: Services,
  sub: string | undefined,
  id: string | undefined,
  values: Values,
): Promise<number> {
  switch (sub) {
    case 'create': {
      const created = await s.admin.createLicense({
        product: required(values.product, '--product'),
        plan: required(values.plan, '--plan'),
        seats: wholeNumber(required(values.seats, '--seats'), '--seats'),
        termEnd: values['term-end'] === undefined ? null : date(values['term-end'], '--term-end'),
        recheckEvery:
          values['recheck-every'] === 'never'
            ? null
            : duration(values['recheck-every'], '--recheck-every'),
        grace: duration(values.grace, '--grace') ?? null,
        note: values.note ?? null,
      })
      print(created)
      console.error(
        'The license key is shown only now: give it to the customer, it is stored only as a hash.',
      )
      return 0
    }
    case 'list':
      print(
        await s.admin.listLicenses(
          values.cursor,
          values.limit ? wholeNumber(values.limit, '--limit') : 50,
        ),
      )
      return 0
    case 'show':
      print(await s.admin.showLicense(required(id, 'ID')))
      return 0
    case 'revoke':
    case 'suspend':
    case 'reinstate':
      print(await s.admin.setStatus(required(id, 'ID'), sub, values.reason))
      return 0
    case 'renew':
      print(
        await s.admin.renew(
          required(id, 'ID'),
          date(required(values['term-end'], '--term-end'), '--term-end'),
        ),
      )
      return 0
    default:
      throw new UsageError('license: use create, list, show, revoke, suspend, reinstate or renew')
  }
}

async function offlineActivate(s: Services, values: Values): Promise<number> {
  const code =
    values.code ?? (values['code-file'] ? readFileSync(values['code-file'], 'utf8') : undefined)
  const { licenseFile } = await s.licenses.activateOffline(
    required(values.key, '--key'),
    required(code, '--code or --code-file'),
  )
  if (values.out) {
    writeFileSync(values.out, licenseFile)
    console.error(`License file written to ${values.out}: import it on the device.`)
  } else {
    console.log(licenseFile)
  }
  return 0
}

function manifestOptions(values: Values) {
  return {
    dryRun: values['dry-run'],
    maxLockouts: values['max-lockouts'],
    note: values.note,
    author: values.author,
    limit: values.limit,
    cursor: values.cursor,
  }
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2))
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new UsageError(`${name} is required`)
  return value
}

function wholeNumber(value: string, name: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number < 1)
    throw new UsageError(`${name} must be a whole number above 0`)
  return number
}

function date(value: string, name: string): number {
  const time = Date.parse(value)
  if (Number.isNaN(time)) throw new UsageError(`${name} must be an ISO 8601 date, like 2027-01-31`)
  return time
}

function duration(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined
  if (!isDuration(value))
    throw new UsageError(
      `${name} must be an ISO 8601 duration like P7D (or "never" for --recheck-every)`,
    )
  return value
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ManifestUsageError)
      console.error(`leeway: ${error.message}\n\n${USAGE}`)
    else if (error instanceof ApiError) console.error(`leeway: ${error.code}: ${error.message}`)
    else if (error instanceof ConfigError || error instanceof KekError)
      console.error(`leeway: ${error.message}`)
    else if (
      error instanceof Error &&
      error.name === 'TypeError' &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`leeway: ${error.message}\n\n${USAGE}`)
    } else console.error(error)
    process.exit(
      error instanceof UsageError ||
        error instanceof ManifestUsageError ||
        error instanceof ApiError
        ? 2
        : 1,
    )
  },
)
