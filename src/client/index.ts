// Leeway's page client, as an app imports it (`leeway/client`): the license state and actions of
// a worker the app registered, and a registration helper for apps that have none.
export { createLicenseClient } from './createLicenseClient.ts'
export type { FeatureStore, LicenseClient, LicenseClientOptions } from './createLicenseClient.ts'
export type { ActionOutcome } from './licenseActions.ts'
export { LICENSE_POST_HEADERS } from './licenseActions.ts'
export type { LicenseStateStore } from './licenseStore.ts'
export { forwardOnlineEvents } from './forwardOnlineEvents.ts'
export { forwardVisibleEvents } from './forwardVisibleEvents.ts'
export { keepLeaseInUse } from './keepLeaseInUse.ts'
export { registerPeriodicRecheck } from './registerPeriodicRecheck.ts'
export { registerLicenseWorker } from './registerLicenseWorker.ts'
export type { LicenseWorkerHandle } from './registerLicenseWorker.ts'
export { checkSigningKeys } from './checkSigningKeys.ts'
export type { SigningKeysCheck } from './checkSigningKeys.ts'
export { BROADCAST_CHANNEL, DEFAULT_ENDPOINT_BASE, WORKER_ERROR_CODES } from '../core/index.ts'
export type {
  HolderProofResponse,
  ProofEndpoint,
  RequestCodeResponse,
  ServedLicenseState,
  WorkerError,
  WorkerErrorCode,
} from '../core/index.ts'
