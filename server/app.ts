import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { adminAuth } from './http/adminAuth.ts'
import { apiCors } from './http/apiCors.ts'
import { metricsAuth } from './http/metricsAuth.ts'
import { STATUS_OF_CODE } from './http/refusalStatus.ts'
import { adminKeyRoutes } from './routes/admin/keys.ts'
import { adminLeaseRoutes } from './routes/admin/leases.ts'
import { adminLicenseRoutes } from './routes/admin/licenses.ts'
import { adminManifestRoutes } from './routes/admin/manifest.ts'
import { adminTelemetryRoutes } from './routes/admin/telemetry.ts'
import { requestObserver } from './http/requestObserver.ts'
import { securityHeaders } from './http/securityHeaders.ts'
import { metricsRoute } from './routes/metrics.ts'
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
  adminLicenseRoutes(admin, only(s, 'admin'))
  adminLeaseRoutes(admin, only(s, 'admin'))
  adminManifestRoutes(admin, only(s, 'manifests'))
  adminKeyRoutes(admin, only(s, 'keys', 'rootPrivateKey', 'now'))
  adminTelemetryRoutes(admin, only(s, 'telemetry', 'now'))
  app.route('/admin/v1', admin)

  const notFound = (path: string) => new Refusal('not_found', `no route ${path}`, { route: path })
  app.all('/api/*', (c) => {
    throw notFound(c.req.path)
  })
  app.all('/admin/v1/*', (c) => {
    throw notFound(c.req.path)
  })

  if (deps.staticDir) {
    // The admin dashboard is a page of its own (its API stays under /admin/v1). Like every page
    // (securityHeaders), it may not be framed: no other site can overlay clicks on its buttons.
    const adminPage = serveStatic({
      root: deps.staticDir,
      path: 'admin.html',
      onFound: (_path, c) => {
        c.header('Cache-Control', 'no-cache')
      },
    })
    app.get('/admin', adminPage)
    app.get('/admin/', adminPage)
    app.use('*', serveStatic({ root: deps.staticDir }))
    // The app routes in the page: unknown paths get the app shell.
    app.get('*', serveStatic({ root: deps.staticDir, path: 'index.html' }))
  }
  app.notFound((c) => c.json(notFound(c.req.path).toJSON(), STATUS_OF_CODE.not_found))
  return app
}

/** A new object with only `keys` of `services`. */
function only<K extends keyof Services>(services: Services, ...keys: K[]): Pick<Services, K> {
  return Object.fromEntries(keys.map((key) => [key, services[key]])) as Pick<Services, K>
}
