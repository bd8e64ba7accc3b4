import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'

/**
 * The client's address for rate limits. Behind `trustedProxies` proxies, each appends to
 * `X-Forwarded-For` the address it received the request from, so the client is the entry that many
 * places from the right; everything further left was sent by the client and proves nothing.
 */
export function clientAddress(c: Context, trustedProxies: number): string {
  if (trustedProxies > 0) {
    const entries = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
    // Fewer entries than proxies: the request skipped one of them, and a client can only add
    // entries, never remove ours, so every entry present was written by a trusted proxy.
    const client = entries[Math.max(0, entries.length - trustedProxies)]
    if (client) return client
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    // Requests made in-process (app.request in tests) have no socket.
    return 'in-process'
  }
}
