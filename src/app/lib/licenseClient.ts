import { createLicenseClient } from 'leeway/client'

/** The demo's license client: the worker's default endpoints and channel (sw/sw.ts). */
export const licenseClient = createLicenseClient()
