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
// `var`, as the DOM and WebWorker libraries declare it, so the declarations merge where both apply.
// eslint-disable-next-line no-var
declare var crypto: {
  subtle: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> }
}
