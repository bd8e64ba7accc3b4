import type { Deployment } from '../deployment/openDeployment.ts'
import { readPrivateKeyFile } from '../deployment/rootKey.ts'
import type { CliValues } from './arguments.ts'
import { UsageError } from './UsageError.ts'
import { cliActor } from './cliActor.ts'

/** `leeway keys rotate [--root-key FILE]`, `leeway keys export-root [--private]`. */
export async function keysCommand(
  deployment: Deployment,
  sub: string | undefined,
  values: CliValues,
): Promise<number> {
  if (sub === 'export-root') {
    if (values.private) {
      const jwk = await deployment.secrets.get('root-private-jwk')
      if (jwk === undefined) throw new UsageError('the root private key is not on this server')
      console.error('The root private key: keep it offline; whoever holds it can certify keys.')
      console.log(jwk)
      return 0
    }
    console.log(JSON.stringify(deployment.rootPublicJwk))
    return 0
  }
  if (sub === 'rotate') {
    const rootKey = values['root-key']
      ? await readPrivateKeyFile(values['root-key'])
      : deployment.rootPrivateKey
    if (!rootKey)
      throw new UsageError('the root private key is not in the data folder: pass --root-key FILE')
    const kid = await deployment.keys.rotate(rootKey, Date.now(), cliActor())
    console.log(`New signing key: ${kid}`)
    return 0
  }
  throw new UsageError('keys: use "rotate" or "export-root"')
}
