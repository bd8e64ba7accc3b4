import { TokenMalformed } from './errors.ts'

export const LICENSE_FILE_FORMAT = 'leeway-license-file'

/** What an air-gapped device imports: a grant with the certificates that verify it, as JSON text. */
export interface LicenseFile {
  format: typeof LICENSE_FILE_FORMAT
  version: 1
  grant: string
  certs: string[]
  serverTime: number
}

/** Serialises a license file as readable JSON. */
export function encodeLicenseFile(file: Omit<LicenseFile, 'format' | 'version'>): string {
  const full: LicenseFile = { format: LICENSE_FILE_FORMAT, version: 1, ...file }
  return JSON.stringify(full, null, 2)
}

/** Reads a license file's structure; the grant and certificates inside still have to be verified. */
export function decodeLicenseFile(text: unknown): LicenseFile {
  if (typeof text !== 'string' || text.length > 65_536)
    throw new TokenMalformed('license file is not text of a sensible size')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new TokenMalformed('license file is not JSON')
  }
  const file = value as Partial<LicenseFile> | null
  if (
    typeof file !== 'object' ||
    file === null ||
    file.format !== LICENSE_FILE_FORMAT ||
    file.version !== 1 ||
    typeof file.grant !== 'string' ||
    !Array.isArray(file.certs) ||
    !file.certs.every((cert) => typeof cert === 'string') ||
    !Number.isSafeInteger(file.serverTime)
  ) {
    throw new TokenMalformed('license file does not have the Leeway license file format')
  }
  return file as LicenseFile
}
