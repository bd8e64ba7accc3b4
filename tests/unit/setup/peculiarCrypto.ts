import { Crypto } from '@peculiar/webcrypto'

// jose calls the global `crypto` at each use, so replacing it runs the same suite on another
// WebCrypto implementation. Keys must then come from that implementation too (imported from JWK).
Object.defineProperty(globalThis, 'crypto', {
  value: new Crypto(),
  configurable: true,
  writable: true,
})
