import { createLicenseClient } from '../../client/index.ts'

/** The demo's license client: the worker's default endpoints and channel (sw/sw.ts). */
export const licenseClient = createLicenseClient()
