import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { compress } from 'hono/compress'
import { adminAuth } from './http/adminAuth.ts'
import { appFileHeaders } from './http/appFiles.ts'
import { apiCors } from './http/apiCors.ts'
import { metricsAuth } from './http/metricsAuth.ts'
import { STATUS_OF_CODE } from './http/refusalStatus.ts'
import { adminKeyRoutes } from './routes/admin/keys.ts'
import { adminLeaseRoutes } from './routes/admin/leases.ts'
import { adminLicenseRoutes } from './routes/admin/licenses.ts'
import { adminManifestRoutes } from './routes/admin/manifest.ts'
import { adminTelemetryRoutes } from './routes/admin/telemetry.ts'
import { adminAuditRoutes } from './routes/admin/audit.ts'
import { requestObserver } from './http/requestObserver.ts'
import { securityHeaders } from './http/securityHeaders.ts'
import { metricsRoute } from './routes/metrics.ts'
import { robotsRoute } from './routes/robots.ts'
import { healthzRoute } from './routes/healthz.ts'
import { activateRoute } from './routes/public/activate.ts'
import { deactivateRoute } from './routes/public/deactivate.ts'
import { keysRoute } from './routes/public/keys.ts'
import { leaseRoutes } from './routes/public/lease.ts'
import { offlineActivateRoute } from './routes/public/offlineActivate.ts'
import { shareRoutes } from './routes/public/share.ts'
import { validateRoute } from './routes/public/validate.ts'
import { createServices } from './services.ts'
import { Refusal } from './services/Refusal.ts'
import type { AppDeps, Services } from './services.ts'

/** The license server as a Hono app: every route, one error handler; it opens no port. */
export function createApp(deps: AppDeps): Hono {
  const s = createServices(deps)
  const app = new Hono()

  app.onError((error, c) => {
    if (error instanceof Refusal) {
      const refusal: Refusal = error
      const details = refusal.details
      if (details && 'retryAfterSeconds' in details)
        c.header('Retry-After', String(details.retryAfterSeconds))
      return c.json(refusal.toJSON(), STATUS_OF_CODE[refusal.code])
    }
    // The error's own text and stack only: never the request, which may carry keys or grants.
    s.log.error(
      {
        reqId: c.get('requestId'),
        err: { type: error.name, message: error.message, stack: error.stack },
      },
      'internal error',
    )
    return c.json({ error: { code: 'internal', message: 'internal error' } }, 500)
  })

  app.use('*', requestObserver(s.log, s.metrics))
  app.use('*', securityHeaders())
  // The whole public namespace, not only /api/v1: a newer app asking this server for a path it
  // lacks must be able to read the not_found that says so. Never /admin or /metrics.
  if (deps.corsOrigins?.length) app.use('/api/*', apiCors(deps.corsOrigins))

  // Ids in paths reach queries; PostgreSQL text cannot hold U+0000 (see readBody).
  app.use('*', async (c, next) => {
    if (c.req.path.includes('\u0000'))
      throw new Refusal('bad_request', 'the path must not contain U+0000 (NUL)')
    await next()
  })

  // Each route gets what it uses and nothing more: no public route holds the admin token or the
  // root private key.
  healthzRoute(app, only(s, 'store', 'keys', 'now'))
  metricsRoute(app, { metrics: s.metrics, auth: metricsAuth(s.adminToken, s.metricsToken) })
  const activation = only(s, 'activations', 'activationsPerAddress', 'metrics', 'trustedProxies')
  activateRoute(app, activation)
  offlineActivateRoute(app, activation)
  validateRoute(app, only(s, 'licenses', 'checkAdmission', 'telemetry', 'metrics', 'log'))
  deactivateRoute(app, only(s, 'licenses'))
  keysRoute(app, only(s, 'keys', 'now'))
  shareRoutes(app, only(s, 'shares', 'now'))
  leaseRoutes(app, only(s, 'leases'))

  const admin = new Hono()
  admin.use('*', adminAuth(s.adminToken))
  // Lists and exports run to hundreds of kilobytes of JSON or CSV. The public API stays as it is:
  // its answers are signed tokens (base64, which compresses little) on the hot path of every check.
  admin.use('*', compress())
  adminLicenseRoutes(admin, only(s, 'admin', 'trustedProxies'))
  adminLeaseRoutes(admin, only(s, 'admin', 'metrics', 'trustedProxies'))
  adminManifestRoutes(admin, only(s, 'manifests', 'trustedProxies'))
  adminKeyRoutes(admin, only(s, 'keys', 'rootPrivateKey', 'now', 'trustedProxies'))
  adminAuditRoutes(admin, only(s, 'admin'))
  adminTelemetryRoutes(admin, only(s, 'telemetry', 'now'))
  app.route('/admin/v1', admin)

  const notFound = (path: string) => new Refusal('not_found', `no route ${path}`, { route: path })
  app.all('/api/*', (c) => {
    throw notFound(c.req.path)
  })
  app.all('/admin/v1/*', (c) => {
    throw notFound(c.req.path)
  })
  // The app's service worker answers these; one that reaches the server found no worker in
  // control (first load, private window, a browser without workers). The page must read a
  // not_found it can explain, never the app's HTML where it expects JSON.
  app.all('/_license/*', (c) => {
    throw new Refusal(
      'not_found',
      `${c.req.path} is answered by the app's service worker, which did not handle this request`,
      { route: c.req.path },
    )
  })

  robotsRoute(app, { servesApp: Boolean(deps.staticDir) })
  if (deps.staticDir) {
    const root = deps.staticDir
    const files = serveStatic({ root })
    const pages = {
      'index.html': serveStatic({ root, path: 'index.html' }),
      'admin.html': serveStatic({ root, path: 'admin.html' }),
    }
    app.get('*', appFileHeaders({ warm: root }), (c, next) => {
      const page = pageOf(c.req.path)
      return (page ? pages[page] : files)(c, next)
    })
  }
  app.notFound((c) => {
    const refusal = notFound(c.req.path)
    // A person who followed a link gets a page that says so; programs get the API's error shape.
    if (deps.staticDir && /\btext\/html\b/i.test(c.req.header('accept') ?? ''))
      return c.html(NOT_FOUND_PAGE, STATUS_OF_CODE.not_found)
    return c.json(refusal.toJSON(), STATUS_OF_CODE.not_found)
  })
  return app
}

/**
 * The page a path shows beyond the files themselves: the admin dashboard (a page of its own; its
 * API stays under /admin/v1), and the app's shared links (/s/ID, as src/app/main.svelte.ts reads
 * them). The app's views are hashes of `/`. Any other path is not found rather than the app shell:
 * a mistyped link or a probe must not read as a page that exists.
 */
function pageOf(path: string): 'index.html' | 'admin.html' | undefined {
  if (path === '/admin' || path === '/admin/') return 'admin.html'
  if (/^\/s\/[A-Za-z0-9_-]{1,64}$/.test(path)) return 'index.html'
  return undefined
}

// Nothing inline but markup: the pages' policy (securityHeaders) allows no inline style or script.
const NOT_FOUND_PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Not found</title>
<h1>Nothing here</h1>
<p>This address is not a page of this app. <a href="/">Open the app</a>.</p>
</html>
`

/** A new object with only `keys` of `services`. */
function only<K extends keyof Services>(services: Services, ...keys: K[]): Pick<Services, K> {
  return Object.fromEntries(keys.map((key) => [key, services[key]])) as Pick<Services, K>
}
