import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { ApiError } from './http/ApiError.ts'
import { adminAuth } from './http/adminAuth.ts'
import { adminKeyRoutes } from './routes/admin/keys.ts'
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
import { offlineActivateRoute } from './routes/public/offlineActivate.ts'
import { shareRoutes } from './routes/public/share.ts'
import { validateRoute } from './routes/public/validate.ts'
import { createServices } from './services.ts'
import type { AppDeps } from './services.ts'

/** The license server as a Hono app: every route, one error handler; it opens no port. */
export function createApp(deps: AppDeps): Hono {
  const s = createServices(deps)
  const app = new Hono()

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      if (error.retryAfterSeconds !== undefined)
        c.header('Retry-After', String(error.retryAfterSeconds))
      return c.json(error.toJSON(), error.status)
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

  // Ids in paths reach queries; PostgreSQL text cannot hold U+0000 (see readBody).
  app.use('*', async (c, next) => {
    if (c.req.path.includes('\u0000'))
      throw new ApiError('bad_request', 'the path must not contain U+0000 (NUL)')
    await next()
  })

  healthzRoute(app, s)
  metricsRoute(app, s)
  activateRoute(app, s)
  validateRoute(app, s)
  deactivateRoute(app, s)
  offlineActivateRoute(app, s)
  keysRoute(app, s)
  shareRoutes(app, s)

  const admin = new Hono()
  admin.use('*', adminAuth(deps.adminToken))
  adminLicenseRoutes(admin, s)
  adminManifestRoutes(admin, s)
  adminKeyRoutes(admin, s)
  adminTelemetryRoutes(admin, s)
  app.route('/admin/v1', admin)

  const notFound = (path: string) => new ApiError('not_found', `no route ${path}`)
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
  app.notFound((c) => c.json(notFound(c.req.path).toJSON(), 404))
  return app
}
