import { parseJsonObject } from '../src/core/index.ts'
import type { WorkerErrorBody, WorkerErrorCode } from '../src/core/index.ts'

/** A JSON response that no cache keeps: license answers are always fresh from the worker. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  })
}

/** A failure of the worker's own: its code alone, for the page to put in words. */
export function errorResponse(code: WorkerErrorCode, status: number): Response {
  return json({ error: { code } } satisfies WorkerErrorBody, status)
}

/** Reads a JSON object body, or null when the body is not one. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | null> {
  const text = await request.text().catch(() => '')
  return text.length > 65_536 ? null : parseJsonObject(text)
}
