import { readFileSync, writeFileSync } from 'node:fs'
import type { Services } from '../services.ts'
import { required } from './arguments.ts'
import type { CliValues } from './arguments.ts'

/** `leeway offline-activate --key KEY (--code CODE | --code-file FILE) [--out FILE]`. */
export async function offlineActivateCommand(s: Services, values: CliValues): Promise<number> {
  const code =
    values.code ?? (values['code-file'] ? readFileSync(values['code-file'], 'utf8') : undefined)
  const { licenseFile } = await s.activations.activateOffline(
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
