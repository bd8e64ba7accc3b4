import type { PublicJwk } from '../../core/index.ts'

/** The root public key this build trusts; every certificate must chain to it. */
export const pinnedRoot: Readonly<PublicJwk> = Object.freeze({ ...__LEEWAY_ROOT_JWK__ })
