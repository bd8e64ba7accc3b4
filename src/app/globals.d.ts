// Svelte's ambient `*.svelte` module types, for tsc (svelte-check knows them already).
/// <reference types="svelte" />
import type { PublicJwk } from '../core/index.ts'

declare global {
  /** The root public key, pinned at build time by vite.config.ts (`LEEWAY_ROOT_JWK`). */
  const __LEEWAY_ROOT_JWK__: PublicJwk
  /** Names this build (vite.config.ts); shown in the page. */
  const __LEEWAY_BUILD_ID__: string
}
