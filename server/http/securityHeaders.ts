import type { MiddlewareHandler } from 'hono'

/**
 * The policy of every page the server serves (the app, its shared-note links, the admin
 * dashboard). The built pages load their scripts, styles, icons, manifest and worker from this
 * origin and nothing inline, so `'self'` is all they need; no page may be framed, change its base
 * URL, embed plugins or post forms elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ')

/**
 * `nosniff` on every answer, so none is ever run as a script or a page it is not; and on pages,
 * the policy above, `X-Frame-Options` for browsers without `frame-ancestors`, and no referrer: a
 * shared note's link is its only key, and must not leave with a click. No
 * `Cross-Origin-Resource-Policy` and no policy on API answers: the vendor's pages on other origins
 * read them (LEEWAY_CORS_ORIGINS, apiCors.ts), and CORS alone decides which may.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next()
    c.res.headers.set('X-Content-Type-Options', 'nosniff')
    if (/^text\/html\b/i.test(c.res.headers.get('content-type') ?? '')) {
      c.res.headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      c.res.headers.set('X-Frame-Options', 'DENY')
      c.res.headers.set('Referrer-Policy', 'no-referrer')
    }
  }
}
