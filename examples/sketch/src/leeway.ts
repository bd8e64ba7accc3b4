import { createLicenseClient } from 'leeway/client'
import leewayConfig from 'virtual:leeway/config'

/** The page's side of Leeway, with the same endpoint base and channel as the worker. */
export const leeway = createLicenseClient(leewayConfig)
