import { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import * as v from 'valibot'
import { Refusal } from '../services/Refusal.ts'

// PostgreSQL text cannot hold U+0000 and SQLite's can: it is refused in every body, on every
// backend, rather than answered 500 by one. In JSON it can only be the escape \u0000 (a raw one is
// invalid JSON), written with an odd run of backslashes: an even run is escaped backslashes.
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/

/** Largest request body any endpoint accepts. */
export const MAX_BODY_BYTES = 64 * 1024

/**
 * Reads a JSON body and checks it against `schema`. Anything else is `bad_request` with a message
 * naming the first field at fault, before the handler touches storage.
 */
export async function readBody<TSchema extends v.GenericSchema>(
  c: Context,
  schema: TSchema,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<v.InferOutput<TSchema>> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type))
    throw new Refusal('bad_request', 'body must be JSON (Content-Type: application/json)')
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming
  const text =
    incoming instanceof IncomingMessage
      ? await readLimitedNodeText(incoming, maxBytes)
      : await readLimitedText(c.req.raw, maxBytes)
  if (NUL_ESCAPE.test(text))
    throw new Refusal('bad_request', 'body: strings must not contain U+0000 (NUL)')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Refusal('bad_request', 'body is not valid JSON')
  }
  // Stop at the first issue: a body of half a million wrong items must not cost an issue each.
  const result = v.safeParse(schema, json, { abortEarly: true, abortPipeEarly: true })
  if (!result.success) {
    const issue = result.issues[0]
    const path = issue ? v.getDotPath(issue) : null
    throw new Refusal(
      'bad_request',
      path ? `${path}: ${issue?.message}` : `body: ${issue?.message ?? 'invalid'}`,
    )
  }
  return result.output
}

function tooLarge(maxBytes: number): Refusal {
  return new Refusal('body_too_large', `body is larger than ${maxBytes} bytes`)
}

/**
 * `readLimitedText` straight from Node's request stream, under @hono/node-server: reading
 * `c.req.raw.body` would first build a fetch Request and a web stream around it, a fair share of
 * a license check's time on the event loop. What is left unread is drained by the adapter.
 */
function readLimitedNodeText(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(incoming.headers['content-length'] ?? NaN)
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const stop = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
    }
    const onData = (chunk: Buffer) => {
      received += chunk.byteLength
      if (received > maxBytes) {
        stop()
        incoming.pause()
        reject(tooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      stop()
      resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onError = (error: Error) => {
      stop()
      reject(error)
    }
    incoming.on('data', onData)
    incoming.once('end', onEnd)
    incoming.once('error', onError)
  })
}

/** Reads a body as UTF-8, refusing it as soon as it passes `maxBytes`, before it is all in memory. */
async function readLimitedText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let received = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    received += value.byteLength
    if (received > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
