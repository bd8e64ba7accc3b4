import type { PublicJwk } from 'leeway/core'
import leewayConfig from 'virtual:leeway/config'

/** The root public key this build trusts; every certificate must chain to it. */
export const pinnedRoot: Readonly<PublicJwk> = Object.freeze({ ...leewayConfig.rootJwk })
