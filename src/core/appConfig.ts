import type { PublicJwk } from './keys.ts'

/**
 * What an app's build pins for Leeway, read by the worker (`createLicenseHandler`) and the page
 * (`createLicenseClient`) alike so the two never disagree. Leeway's Vite plugin writes it as the
 * module `virtual:leeway/config`.
 */
export interface LeewayConfig {
  /** The license server's root public key: every grant must chain to it. */
  rootJwk: PublicJwk
  /** The product the app is licensed as: the `aud` of its grants. */
  product: string
  /** The license server's public API: `/api/v1` on the app's origin, or a URL on another. */
  apiBase: string
  /** How long the worker waits for the license server before treating it as unreachable. */
  requestTimeoutMs: number
  endpointBase?: string
  databaseName?: string
  channelName?: string
}
