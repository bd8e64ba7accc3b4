import { parseJsonObject } from '../src/core/index.ts'

/** A JSON response that no cache keeps: license answers are always fresh from the worker. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  })
}

/** The same `{ error: { code, message } }` shape as the license server's errors. */
export function errorResponse(code: string, message: string, status: number): Response {
  return json({ error: { code, message } }, status)
}

/** Reads a JSON object body, or null when the body is not one. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | null> {
  const text = await request.text().catch(() => '')
  return text.length > 65_536 ? null : parseJsonObject(text)
}
