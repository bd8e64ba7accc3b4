import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
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
// The built app's text files by name, for encoding them before anyone asks (`warm`).
const COMPRESSIBLE_FILE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt|xml)$/i

export type Encoding = 'br' | 'gzip'

/**
 * Wraps the handler that serves the built app's files: `Cache-Control` by kind of file, an ETag
 * from the content (a 304 for a client that has it), and the body in Brotli or gzip for clients
 * that accept them. Each file is encoded once per content, at the highest quality, and kept in
 * memory: a redeploy into the same folder makes new content, so nothing stale is ever served.
 *
 * With `warm`, the folder's text files are Brotli-encoded at once, in the background: at the
 * highest quality that takes about 0.35 s of CPU for a 180 kB bundle, which otherwise the first
 * visitor after each start waits for, on the path to the first paint (Lighthouse on a fresh server
 * read it as a slow server). `warmed` settles with the number of files encoded.
 */
export function appFileHeaders(options: { warm?: string } = {}): AppFileHeaders {
  const encoded = new LruCache<string, Promise<Buffer>>(256)
  const handler: MiddlewareHandler = async (c, next) => {
    await next()
    if (c.res.status !== 200) return
    const path = c.req.path
    c.res.headers.set('Cache-Control', HASHED.test(path) ? IMMUTABLE : REVALIDATE)
    const type = c.res.headers.get('content-type') ?? ''
    const compressible = COMPRESSIBLE.test(type)
    if (compressible) c.res.headers.append('Vary', 'Accept-Encoding')
    if (c.req.method !== 'GET' || !c.res.body) return

    const body = Buffer.from(await c.res.arrayBuffer())
    const hash = contentHash(body)
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
  const warmed = options.warm ? warm(options.warm, encoded) : Promise.resolve(0)
  return Object.assign(handler, { warmed })
}

/** The middleware, and when its start-up encoding is done. */
export type AppFileHeaders = MiddlewareHandler & { readonly warmed: Promise<number> }

/**
 * Encodes the text files under `root` in Brotli into `cache`, under the key a request for the same
 * content looks for; never rejects (a file that cannot be read is encoded when asked for, as before).
 */
async function warm(root: string, cache: LruCache<string, Promise<Buffer>>): Promise<number> {
  let files: string[]
  try {
    files = await readdir(root, { recursive: true })
  } catch {
    return 0
  }
  let count = 0
  for (const name of files) {
    if (!COMPRESSIBLE_FILE.test(extname(name))) continue
    try {
      const body = await readFile(join(root, name))
      if (body.length < MIN_BYTES) continue
      const hash = contentHash(body)
      // One at a time: the server answers requests meanwhile, on the same two cores.
      await cache.getOrCreate(`${hash}:br`, () => encode(body, 'br'))
      count++
    } catch {
      // A folder, or a file gone since: nothing to warm.
    }
  }
  return count
}

function contentHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 27)
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
