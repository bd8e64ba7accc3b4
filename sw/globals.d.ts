// Build-time constants of the worker, defined by vite.config.ts (the root key is in src/client/globals.d.ts).
declare const __LEEWAY_PRODUCT__: string
declare const __LEEWAY_REQUEST_TIMEOUT_MS__: number
