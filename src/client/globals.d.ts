// Svelte's ambient `*.svelte` module types, for tsc (svelte-check knows them already).
/// <reference types="svelte" />
import type { PublicJwk } from '../core/index.ts'

declare global {
  /** The root public key, pinned at build time by vite.config.ts (`LEEWAY_ROOT_JWK`). */
  const __LEEWAY_ROOT_JWK__: PublicJwk
}
