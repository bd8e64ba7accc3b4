// Types of the module Leeway's Vite plugin provides. Reference them once, e.g. in vite-env.d.ts:
// /// <reference types="leeway/vite/client" />
declare module 'virtual:leeway/config' {
  import type { LeewayConfig } from 'leeway/core'
  /** The configuration given to `leeway({ … })` in vite.config, checked, with the root key read. */
  const config: LeewayConfig
  export default config
}
