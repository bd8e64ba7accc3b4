import type { Hono } from 'hono'

// The app's start page may be indexed. Shared notes are private links (their id is their only key),
// and the dashboard, the APIs and the worker's endpoints are nothing a search engine should visit.
const WITH_APP = [
  'User-agent: *',
  'Disallow: /s/',
  'Disallow: /admin',
  'Disallow: /api/',
  'Disallow: /_license/',
  'Disallow: /healthz',
  'Disallow: /metrics',
  '',
].join('\n')
const API_ONLY = ['User-agent: *', 'Disallow: /', ''].join('\n')

/** `GET /robots.txt`: what crawlers may read, for the app and API together or the API alone. */
export function robotsRoute(app: Hono, options: { servesApp: boolean }): void {
  const text = options.servesApp ? WITH_APP : API_ONLY
  app.get('/robots.txt', (c) => {
    c.header('Cache-Control', 'public, max-age=86400')
    return c.text(text)
  })
}
