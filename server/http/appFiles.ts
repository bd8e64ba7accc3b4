import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { brotliCompress, constants as zlib, gzip } from 'node:zlib'
import type { Context, MiddlewareHandler } from 'hono'
import { LruCache } from '../lruCache.ts'

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** Vite names every file under /assets/ after a hash of its content: a changed file is a new URL. */
const HASHED = /^\/assets\/[^/]+$/
/** The response of a hashed asset: cached by every cache for a year and never revalidated. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'
/**
 * Every other file (the pages, sw.js, the web manifest, icons): kept, but revalidated before each
 * use, so a new release is seen at the next load; the ETag makes that a 304 when nothing changed.
 */
export const REVALIDATE = 'no-cache'

// Text compresses well; images (PNG) and fonts are compressed already.
const COMPRESSIBLE =
  /^(?:text\/|application\/(?:javascript|json|manifest\+json|xml)|image\/svg\+xml)/i
// Below this, the encoding costs more than the bytes it saves.
const MIN_BYTES = 512

export type Encoding = 'br' | 'gzip'

/**
 * Wraps the handler that serves the built app's files: `Cache-Control` by kind of file, an ETag
 * from the content (a 304 for a client that has it), and the body in Brotli or gzip for clients
 * that accept them. Each file is encoded once per content, at the highest quality, and kept in
 * memory: a redeploy into the same folder makes new content, so nothing stale is ever served.
 */
export function appFileHeaders(): MiddlewareHandler {
  const encoded = new LruCache<string, Promise<Buffer>>(256)
  return async (c, next) => {
    await next()
    if (c.res.status !== 200) return
    const path = c.req.path
    c.res.headers.set('Cache-Control', HASHED.test(path) ? IMMUTABLE : REVALIDATE)
    const type = c.res.headers.get('content-type') ?? ''
    const compressible = COMPRESSIBLE.test(type)
    if (compressible) c.res.headers.append('Vary', 'Accept-Encoding')
    if (c.req.method !== 'GET' || !c.res.body) return

    const body = Buffer.from(await c.res.arrayBuffer())
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27)
    const encoding =
      compressible && body.length >= MIN_BYTES
        ? preferredEncoding(c.req.header('accept-encoding'))
        : undefined
    const etag = `"${hash}${encoding ? `-${encoding}` : ''}"`
    const headers = new Headers(c.res.headers)
    headers.set('ETag', etag)
    if (matchesEtag(c.req.header('if-none-match'), etag)) {
      headers.delete('Content-Length')
      headers.delete('Content-Type')
      replaceResponse(c, new Response(null, { status: 304, headers }))
      return
    }
    let bytes: Buffer = body
    if (encoding) {
      bytes = await encoded.getOrCreate(`${hash}:${encoding}`, () => encode(body, encoding))
      headers.set('Content-Encoding', encoding)
    }
    headers.set('Content-Length', String(bytes.length))
    replaceResponse(c, new Response(new Uint8Array(bytes), { status: 200, headers }))
  }
}

/** Sets `response` as it is: Hono's setter would copy the old headers (its length) over it. */
function replaceResponse(c: Context, response: Response): void {
  c.res = undefined
  c.res = response
}

function encode(body: Buffer, encoding: Encoding): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(body, {
        params: {
          [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
          [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
          [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      })
    : gzipAsync(body, { level: zlib.Z_BEST_COMPRESSION })
}

/**
 * The encoding to send for an `Accept-Encoding` header: Brotli where accepted (smaller), else gzip,
 * else none. A q of 0 refuses one; `*` stands for any not named.
 */
export function preferredEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined
  const q = new Map<string, number>()
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const value = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (name) q.set(name, Number.isFinite(value) ? value : 0)
  }
  const of = (name: Encoding) => q.get(name) ?? q.get('*') ?? 0
  if (of('br') > 0 && of('br') >= of('gzip')) return 'br'
  if (of('gzip') > 0) return 'gzip'
  return of('br') > 0 ? 'br' : undefined
}

/** Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}
