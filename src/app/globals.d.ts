// Svelte's ambient `*.svelte` module types, for tsc (svelte-check knows them already).
/// <reference types="svelte" />

/** Names this build (vite.config.ts); shown in the page. */
declare const __LEEWAY_BUILD_ID__: string
