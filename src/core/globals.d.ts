// The core runs in pages, service workers and Node, and its tsconfig has no DOM or Node types, so
// a stray platform import fails the type check. These are the only platform globals it relies on;
// all three runtimes provide them.
declare class TextEncoder {
  encode(input?: string): Uint8Array
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean })
  decode(input?: Uint8Array): string
}
