import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, request as forwardRequest } from 'node:http'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
}

// Cross-origin isolation (COOP + COEP) makes performance.now() precise to 5 µs instead of 100 µs.
const ISOLATION: OutgoingHttpHeaders = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
}

const FORWARDED = /^\/(api|admin)\/|^\/healthz/

/**
 * Serves a built app from `root` with COOP/COEP headers (the product server does not send them,
 * and the bench must not change it), answering unknown paths with index.html, and forwards
 * `/api`, `/admin` and `/healthz` to `upstream` (the license server, or a fault proxy before it).
 */
export class IsolatedStaticServer {
  readonly url: string
  readonly #close: () => Promise<void>

  private constructor(url: string, close: () => Promise<void>) {
    this.url = url
    this.#close = close
  }

  static async start(root: string, upstream: string): Promise<IsolatedStaticServer> {
    const target = new URL(upstream)
    const server = createServer((request, response) => {
      request.on('error', () => undefined)
      response.on('error', () => undefined)
      const path = new URL(request.url ?? '/', 'http://localhost').pathname
      if (FORWARDED.test(path)) forward(target, request, response)
      else serveFile(root, path, response)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return new IsolatedStaticServer(`http://127.0.0.1:${port}`, async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    })
  }

  close(): Promise<void> {
    return this.#close()
  }
}

function serveFile(root: string, path: string, response: ServerResponse): void {
  // normalize() of an absolute path resolves every "..": the result stays under root.
  const requested = join(root, normalize(path))
  let file = existsSync(requested) && statSync(requested).isFile() ? requested : undefined
  // The app routes in the page: unknown paths get the app shell, as the product server does.
  if (!file && extname(path) === '') file = join(root, 'index.html')
  if (!file || !file.startsWith(root + sep) || !existsSync(file)) {
    response.writeHead(404, { ...ISOLATION, 'content-type': 'text/plain' })
    response.end('not found\n')
    return
  }
  response.writeHead(200, {
    ...ISOLATION,
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    'cache-control': 'no-cache',
  })
  createReadStream(file).pipe(response)
}

function forward(target: URL, request: IncomingMessage, response: ServerResponse): void {
  const outgoing = forwardRequest(
    {
      hostname: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, host: target.host },
    },
    (incoming) => {
      response.writeHead(incoming.statusCode ?? 502, { ...incoming.headers, ...ISOLATION })
      incoming.pipe(response)
    },
  )
  outgoing.on('error', () => {
    if (!response.headersSent) response.writeHead(502, ISOLATION)
    response.end()
  })
  // A page that gives up takes the forwarded request with it.
  response.on('close', () => {
    if (!response.writableFinished) outgoing.destroy()
  })
  request.pipe(outgoing)
}
