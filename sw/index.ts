// Leeway's service-worker part, as a vendor's worker imports it (`leeway/sw`): the license
// endpoints as a Workbox route or a fetch listener, and Leeway's own event listeners.
export { createLicenseHandler } from './createLicenseHandler.ts'
export type { LicenseHandler, LicenseHandlerConfig } from './createLicenseHandler.ts'
export { DATABASE_NAME } from './store/LeewayDb.ts'
export {
  BROADCAST_CHANNEL,
  DEFAULT_BACKOFF,
  DEFAULT_ENDPOINT_BASE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  SYNC_TAG,
} from '../src/core/index.ts'
export type { BackoffPolicy, PublicJwk } from '../src/core/index.ts'
