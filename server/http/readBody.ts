import type { Context } from 'hono'
import * as v from 'valibot'
import { ApiError } from './ApiError.ts'

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
    throw new ApiError('bad_request', 'body must be JSON (Content-Type: application/json)')
  const text = await readLimitedText(c.req.raw, maxBytes)
  if (NUL_ESCAPE.test(text))
    throw new ApiError('bad_request', 'body: strings must not contain U+0000 (NUL)')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ApiError('bad_request', 'body is not valid JSON')
  }
  const result = v.safeParse(schema, json)
  if (!result.success) {
    const issue = result.issues[0]
    const path = issue ? v.getDotPath(issue) : null
    throw new ApiError(
      'bad_request',
      path ? `${path}: ${issue?.message}` : `body: ${issue?.message ?? 'invalid'}`,
    )
  }
  return result.output
}

/** Reads a body as UTF-8, refusing it as soon as it passes `maxBytes`, before it is all in memory. */
async function readLimitedText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new ApiError('bad_request', `body is larger than ${maxBytes} bytes`, { status: 413 })
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) throw tooLarge()
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
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
