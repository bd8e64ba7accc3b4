import { parseCommandLine } from './cli/arguments.ts'
import { keysCommand } from './cli/keysCommand.ts'
import { licenseCommand } from './cli/licenseCommand.ts'
import { localManifestClient, remoteManifestClient } from './cli/manifestClients.ts'
import { manifestCommand, manifestOptions } from './cli/manifestCommand.ts'
import { moveToPostgresCommand } from './cli/moveToPostgresCommand.ts'
import { offlineActivateCommand } from './cli/offlineActivateCommand.ts'
import { serveCommand } from './cli/serveCommand.ts'
import { USAGE } from './cli/usage.ts'
import { UsageError } from './cli/UsageError.ts'
import { ConfigError } from './config/ConfigError.ts'
import { deploymentSettingsFromEnv } from './config/deploymentSettings.ts'
import { deploymentSummary } from './deployment/deploymentSummary.ts'
import { openDeployment } from './deployment/openDeployment.ts'
import { KekError } from './keys/Kek.ts'
import { createServices } from './services.ts'
import { Refusal } from './services/Refusal.ts'

// `leeway <command>`: finds the command's module (server/cli/) and turns what goes wrong into a
// message and an exit code: 2 for a mistake in the command line or an answer of the API, 1 else.

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv)
  const [command, sub, arg] = positionals
  if (values.help || !command) {
    console.log(USAGE)
    return command || values.help ? 0 : 2
  }
  const dataDir = values.data ?? process.env.LEEWAY_DATA ?? './data'

  if (command === 'serve') return serveCommand(dataDir, values)
  if (command === 'move-to-postgres') return moveToPostgresCommand(dataDir)
  if (command === 'manifest' && values.server !== undefined) {
    const token = process.env.LEEWAY_ADMIN_TOKEN?.trim()
    if (!token) throw new UsageError('--server needs the admin token in LEEWAY_ADMIN_TOKEN')
    const client = remoteManifestClient(values.server, token)
    return manifestCommand(client, sub, arg, manifestOptions(values))
  }
  const deployment = await openDeployment(dataDir, {
    ...deploymentSettingsFromEnv(),
    seedDemo: command === 'init',
  })
  try {
    const s = createServices(deployment.deps())
    switch (command) {
      case 'init':
        for (const line of deploymentSummary(deployment)) console.log(line)
        return 0
      case 'keys':
        return await keysCommand(deployment, sub, values)
      case 'license':
        return await licenseCommand(s, sub, arg, values)
      case 'offline-activate':
        return await offlineActivateCommand(s, values)
      case 'manifest':
        return await manifestCommand(localManifestClient(s), sub, arg, manifestOptions(values))
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } finally {
    await deployment.store.close()
  }
}

function isParseArgsError(error: unknown): error is Error {
  return (
    error instanceof Error &&
    error.name === 'TypeError' &&
    'code' in error &&
    String(error.code).startsWith('ERR_PARSE_ARGS')
  )
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || isParseArgsError(error))
      console.error(`leeway: ${error.message}\n\n${USAGE}`)
    else if (error instanceof Refusal) console.error(`leeway: ${error.code}: ${error.message}`)
    else if (error instanceof ConfigError || error instanceof KekError)
      console.error(`leeway: ${error.message}`)
    else console.error(error)
    process.exit(error instanceof UsageError || error instanceof Refusal ? 2 : 1)
  },
)
