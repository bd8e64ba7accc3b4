import { Agent, STATUS_CODES, createServer, request as upstreamRequest } from 'node:http'
import type {
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http'
import type { Socket } from 'node:net'
import { Transform, pipeline } from 'node:stream'

/** What the proxy does to a request whose path the fault applies to. */
export type FaultMode =
  | { kind: 'pass' }
  /**
   * Resets the connection (TCP RST) once the request head is read: Chromium reports
   * net::ERR_CONNECTION_RESET and fetch rejects with TypeError "Failed to fetch". On a
   * kept-alive connection Chromium first retries once on a new one, so one fetch can log
   * two refused entries.
   */
  | { kind: 'refuse' }
  /**
   * Holds the request unanswered until setMode with another kind, or close(); then its socket
   * is destroyed. Chromium resends a request whose reused connection closes before any answer,
   * so a held fetch released into 'pass' succeeds late; release into 'refuse' to make it fail.
   */
  | { kind: 'hang' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** A hotel Wi-Fi login page, answered 200 text/html in place of the API's JSON. */
  | { kind: 'captivePortal' }
  /**
   * 200 with an application/json content type, but a body that is cut off mid-string
   * ('unparseable', the default) or valid JSON of the wrong shape ('wrongShape').
   */
  | { kind: 'garbage'; variant?: 'unparseable' | 'wrongShape' }
  /** Forwards after latencyMs, pacing both the request and the response body to bytesPerSecond. */
  | { kind: 'slow'; latencyMs: number; bytesPerSecond: number }
  /** Passes for periodMs, refuses for periodMs, and so on, counted from the setMode call. */
  | { kind: 'flap'; periodMs: number }

export type ProxiedOutcome =
  | 'forwarded'
  | 'refused'
  | 'held'
  | 'faked'
  /** The upstream could not be reached or failed: a 502, or a cut connection once an answer had begun. */
  | 'upstreamFailed'

export interface ProxiedRequest {
  readonly method: string
  /** Path with its query string, as the client sent it. */
  readonly path: string
  /** Date.now() when the request head arrived. */
  readonly at: number
  readonly outcome: ProxiedOutcome
  /** The status the client received, once known; absent for refused and held requests. */
  readonly status?: number
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string
  /**
   * Applies `mode` from now on to requests whose path (with its query string) matches
   * `options.paths` (default /^\/api\//); every other request passes.
   * @example proxy.setMode({ kind: 'status', status: 503, headers: { 'Retry-After': '5' } })
   */
  setMode(mode: FaultMode, options?: { paths?: RegExp }): void
  /** Every request seen since the start or the last clearLog(), oldest first. */
  readonly log: readonly ProxiedRequest[]
  clearLog(): void
  /** Stops listening and destroys every connection, held ones included. Safe to call twice. */
  close(): Promise<void>
}

export interface FaultProxyOptions {
  /** The server to forward to: http://127.0.0.1:PORT */
  target: string
  /** 0 (the default) picks a free port. */
  port?: number
}

/**
 * Chrome DevTools' "Slow 3G" profile is 500 kbit/s × 0.8 = 50,000 bytes/s each way and
 * 400 ms × 5 = 2,000 ms of latency. We keep its bandwidth but use its underlying 400 ms
 * round trip: DevTools multiplies by 5 to fold DNS, TCP and TLS set-up into a per-request
 * delay, while here the browser talks plain HTTP over a kept-alive loopback connection,
 * so one round trip per request is the honest figure (and keeps end-to-end suites quick).
 */
export const SLOW_3G: FaultMode = { kind: 'slow', latencyMs: 400, bytesPerSecond: 50_000 }

const DEFAULT_PATHS = /^\/api\//

/** The throttle releases bytes in pieces of this many milliseconds' worth, for an even stream. */
const THROTTLE_PIECE_MS = 50

/** Connection-level headers: they describe one hop, so they are not passed to the next. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade'])

const CAPTIVE_PORTAL_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harbour View Hotel Wi-Fi</title></head>
<body>
<h1>Welcome to Harbour View Hotel</h1>
<p>Please sign in to access the Internet.</p>
<form method="post" action="/portal/login">
<label>Room number <input name="room"></label>
<label>Last name <input name="surname"></label>
<label><input type="checkbox" name="terms"> I accept the terms of use</label>
<button type="submit">Connect</button>
</form>
</body>
</html>
`

/** A JSON answer cut off mid-string, as a dropped link leaves it. */
const UNPARSEABLE_JSON = '{"grant":"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJs'

/**
 * Valid JSON with the API's field names but the wrong types, so a client that only checks
 * that the fields exist is caught out.
 */
const WRONG_SHAPE_JSON = '{"grant":{"status":"valid"},"certs":null}'

interface ModeSetting {
  readonly mode: FaultMode
  readonly paths: RegExp
  readonly setAt: number
}

/** A mode as applied to one request: flap has become pass or refuse by then. */
type AppliedMode = Exclude<FaultMode, { kind: 'flap' }>

type FakedMode = Extract<FaultMode, { kind: 'status' | 'captivePortal' | 'garbage' }>

const PASS: AppliedMode = { kind: 'pass' }

type MutableRequest = { -readonly [K in keyof ProxiedRequest]: ProxiedRequest[K] }

/** Starts a proxy on 127.0.0.1 in front of `options.target`, passing everything until setMode. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const agent = new Agent({ keepAlive: true })
  const heldSockets = new Set<Socket>()
  let setting: ModeSetting = { mode: { kind: 'pass' }, paths: DEFAULT_PATHS, setAt: Date.now() }
  let log: MutableRequest[] = []
  let closing: Promise<void> | undefined

  function releaseHeld(): void {
    for (const socket of heldSockets) socket.destroy()
    heldSockets.clear()
  }

  const server = createServer((clientRequest, clientResponse) => {
    // Neither side's failures may escape as unhandled 'error' events and crash the test run.
    clientRequest.on('error', ignore)
    clientResponse.on('error', ignore)
    const current = setting
    const entry: MutableRequest = {
      method: clientRequest.method ?? 'GET',
      path: clientRequest.url ?? '/',
      at: Date.now(),
      outcome: 'forwarded',
    }
    log.push(entry)
    const mode = matches(current.paths, entry.path) ? effectiveMode(current, entry.at) : PASS
    switch (mode.kind) {
      case 'pass':
        forward(target, agent, clientRequest, clientResponse, entry, undefined)
        return
      case 'refuse':
        entry.outcome = 'refused'
        resetConnection(clientRequest.socket)
        return
      case 'hang':
        entry.outcome = 'held'
        hold(clientRequest, heldSockets)
        return
      case 'slow': {
        const timer = setTimeout(() => {
          forward(target, agent, clientRequest, clientResponse, entry, mode.bytesPerSecond)
        }, mode.latencyMs)
        clientResponse.on('close', () => clearTimeout(timer))
        return
      }
      case 'status':
      case 'captivePortal':
      case 'garbage':
        entry.outcome = 'faked'
        entry.status = answerFake(mode, clientRequest, clientResponse)
        return
    }
  })
  server.on('clientError', (_error: Error, socket: Socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') {
    throw new Error('fault proxy: expected a TCP address')
  }

  return {
    url: `http://127.0.0.1:${address.port}`,
    setMode(mode, modeOptions) {
      assertValid(mode)
      const paths = modeOptions?.paths ?? DEFAULT_PATHS
      // A held request is released by any mode but 'hang', whichever paths it covers.
      if (mode.kind !== 'hang') releaseHeld()
      setting = { mode, paths, setAt: Date.now() }
    },
    get log() {
      return log
    },
    clearLog() {
      log = []
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        releaseHeld()
        server.close(() => resolve())
        // In-flight, kept-alive and held connections would otherwise keep close() waiting.
        server.closeAllConnections()
        agent.destroy()
      })
      return closing
    },
  }
}

function ignore(): void {}

/** Tests without the regex's own state: a /g or /y flag would make .test() depend on the last call. */
function matches(paths: RegExp, path: string): boolean {
  paths.lastIndex = 0
  return paths.test(path)
}

function effectiveMode(setting: ModeSetting, now: number): AppliedMode {
  const { mode } = setting
  if (mode.kind !== 'flap') return mode
  const period = Math.floor((now - setting.setAt) / mode.periodMs)
  return period % 2 === 0 ? PASS : { kind: 'refuse' }
}

function assertValid(mode: FaultMode): void {
  if (mode.kind === 'slow' && !(mode.bytesPerSecond > 0 && mode.latencyMs >= 0)) {
    throw new RangeError('fault proxy: slow needs bytesPerSecond > 0 and latencyMs >= 0')
  }
  if (mode.kind === 'flap' && !(mode.periodMs > 0)) {
    throw new RangeError('fault proxy: flap needs periodMs > 0')
  }
  if (mode.kind === 'status' && !(mode.status >= 100 && mode.status <= 599)) {
    throw new RangeError(`fault proxy: ${mode.status} is not an HTTP status`)
  }
}

/**
 * Sends a TCP reset rather than a FIN: to the browser this is a dropped connection
 * (net::ERR_CONNECTION_RESET), not a server that chose to hang up.
 */
function resetConnection(socket: Socket): void {
  if (socket.destroyed) return
  socket.resetAndDestroy()
}

function hold(clientRequest: IncomingMessage, heldSockets: Set<Socket>): void {
  const socket = clientRequest.socket
  heldSockets.add(socket)
  socket.once('close', () => heldSockets.delete(socket))
  // Read and drop the body, so a client streaming an upload is not stalled by backpressure.
  clientRequest.resume()
}

/** Answers a status, captive portal or garbage mode itself; returns the status sent. */
function answerFake(
  mode: FakedMode,
  clientRequest: IncomingMessage,
  clientResponse: ServerResponse,
): number {
  clientRequest.resume()
  const { status, headers, body } = fakeAnswer(mode)
  clientResponse.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) })
  clientResponse.end(body)
  return status
}

function fakeAnswer(mode: FakedMode): {
  status: number
  headers: OutgoingHttpHeaders
  body: string
} {
  switch (mode.kind) {
    case 'status': {
      const body = mode.body ?? `${mode.status} ${STATUS_CODES[mode.status] ?? 'Unknown'}\n`
      const headers = mode.headers ?? {}
      const hasContentType = Object.keys(headers).some(
        (name) => name.toLowerCase() === 'content-type',
      )
      return {
        status: mode.status,
        headers: hasContentType
          ? headers
          : { 'content-type': 'text/plain; charset=utf-8', ...headers },
        body,
      }
    }
    case 'captivePortal':
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: CAPTIVE_PORTAL_PAGE,
      }
    case 'garbage':
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: mode.variant === 'wrongShape' ? WRONG_SHAPE_JSON : UNPARSEABLE_JSON,
      }
  }
}

/** Forwards one request to the target; bodies are paced to bytesPerSecond when given. */
function forward(
  target: URL,
  agent: Agent,
  clientRequest: IncomingMessage,
  clientResponse: ServerResponse,
  entry: MutableRequest,
  bytesPerSecond: number | undefined,
): void {
  if (clientResponse.destroyed) return
  let clientGone = false
  const outgoing = upstreamRequest({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    method: clientRequest.method,
    path: clientRequest.url,
    headers: { ...withoutHopByHop(clientRequest.headers), host: target.host },
    agent,
  })
  // A client that gives up before the answer is complete takes the upstream request with it.
  clientResponse.on('close', () => {
    if (clientResponse.writableFinished) return
    clientGone = true
    outgoing.destroy()
  })
  outgoing.on('error', (error: NodeJS.ErrnoException) => {
    if (clientGone) return
    entry.outcome = 'upstreamFailed'
    if (clientResponse.headersSent) {
      clientResponse.destroy()
      return
    }
    entry.status = 502
    const body = `fault proxy: upstream ${target.host} failed (${error.code ?? error.message})\n`
    clientResponse.writeHead(502, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    clientResponse.end(body)
  })
  outgoing.on('response', (incoming) => {
    incoming.on('error', ignore)
    const status = incoming.statusCode ?? 502
    entry.status = status
    clientResponse.writeHead(
      status,
      incoming.statusMessage,
      rawHeadersWithoutHopByHop(incoming.rawHeaders),
    )
    // pipeline, not pipe: if either side breaks off mid-body, the other is destroyed too.
    if (bytesPerSecond === undefined) {
      pipeline(incoming, clientResponse, ignore)
    } else {
      pipeline(incoming, throttle(bytesPerSecond), clientResponse, ignore)
    }
  })
  sendRequestBody(clientRequest, outgoing, bytesPerSecond)
}

/**
 * pipe, not pipeline: an upstream failure must leave the client's socket open for the 502,
 * and pipeline would destroy the client request (and with it the socket) on the way out.
 */
function sendRequestBody(
  clientRequest: IncomingMessage,
  outgoing: ClientRequest,
  bytesPerSecond: number | undefined,
): void {
  if (bytesPerSecond === undefined) {
    clientRequest.pipe(outgoing)
    return
  }
  const paced = throttle(bytesPerSecond)
  outgoing.on('close', () => paced.destroy())
  clientRequest.pipe(paced).pipe(outgoing)
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = connectionListed(headers.connection)
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !listed.has(name)),
  )
}

/** Keeps the upstream's header spelling and repeated headers (Set-Cookie), minus hop-by-hop ones. */
function rawHeadersWithoutHopByHop(rawHeaders: readonly string[]): string[] {
  const pairs: [string, string][] = []
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    pairs.push([rawHeaders[index] ?? '', rawHeaders[index + 1] ?? ''])
  }
  const connection = pairs.find(([name]) => name.toLowerCase() === 'connection')?.[1]
  const listed = connectionListed(connection)
  return pairs
    .filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()) && !listed.has(name.toLowerCase()))
    .flat()
}

/** Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionListed(connection: string | undefined): Set<string> {
  return new Set(
    (connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  )
}

/**
 * Paces bytes to `bytesPerSecond`: each piece of about THROTTLE_PIECE_MS' worth is released
 * once the time to transmit it has passed, so N bytes take at least N / bytesPerSecond seconds.
 */
function throttle(bytesPerSecond: number): Transform {
  const pieceSize = Math.max(1, Math.round((bytesPerSecond * THROTTLE_PIECE_MS) / 1000))
  let linkFreeAt = 0
  let timer: NodeJS.Timeout | undefined
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const sendFrom = (offset: number): void => {
        if (offset >= chunk.length) {
          callback()
          return
        }
        const piece = chunk.subarray(offset, offset + pieceSize)
        // An idle link does not bank bandwidth: the piece's transmit time starts now at the earliest.
        linkFreeAt = Math.max(linkFreeAt, Date.now()) + (piece.length * 1000) / bytesPerSecond
        timer = setTimeout(() => {
          this.push(piece)
          sendFrom(offset + piece.length)
        }, linkFreeAt - Date.now())
      }
      sendFrom(0)
    },
    destroy(error, callback) {
      clearTimeout(timer)
      callback(error)
    },
  })
}
