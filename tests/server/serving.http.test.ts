import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appFileHeaders, IMMUTABLE, preferredEncoding } from '../../server/http/appFiles.ts'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import { startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

// Issue #14, item 9: the app was served uncompressed, its hashed assets revalidated on every load,
// and any path (a typo, /_license/state with no worker in control, /wp-login.php) answered 200
// with the app's page. A built app's layout, served by a real server on loopback, read as bytes on
// the wire (fetch would decode them and hide what was sent).

let server: TestServer
let running: RunningServer
let staticDir: string
// Text that compresses like a bundle does: repeated identifiers, not random bytes.
const SCRIPT = Array.from({ length: 2000 }, (_, i) => `export const value${i} = "v${i}";`).join(
  '\n',
)
const PAGE = `<!doctype html><title>Leeway Notes</title>${'<p>app</p>'.repeat(100)}`

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'leeway-serving-'))
  mkdirSync(join(staticDir, 'assets'))
  mkdirSync(join(staticDir, 'icons'))
  writeFileSync(join(staticDir, 'index.html'), PAGE)
  writeFileSync(join(staticDir, 'admin.html'), '<!doctype html><title>Leeway admin</title>')
  writeFileSync(join(staticDir, 'assets', 'index-AbC123.js'), SCRIPT)
  writeFileSync(join(staticDir, 'assets', 'index-AbC123.css'), `body{color:red}\n`.repeat(200))
  writeFileSync(join(staticDir, 'sw.js'), `self.addEventListener("fetch", () => {})\n`.repeat(50))
  writeFileSync(join(staticDir, 'manifest.webmanifest'), JSON.stringify({ name: 'x'.repeat(900) }))
  writeFileSync(join(staticDir, 'icons', 'icon-192.png'), Buffer.alloc(4096, 7))
  server = await startTestServer()
  running = await listen(server.data, { port: 0, host: '127.0.0.1', staticDir })
})

afterAll(async () => {
  await running.close()
  await server.close()
  rmSync(staticDir, { recursive: true, force: true })
})

interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** One request as a browser sends it, answered as the bytes that came over the socket. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${running.url}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      )
    })
    request.on('error', reject)
    request.end()
  })
}

const BROWSER = { 'accept-encoding': 'gzip, deflate, br, zstd' }

describe('compression of text files', () => {
  it.each([
    ['the app page', '/', PAGE],
    ['a hashed script', '/assets/index-AbC123.js', SCRIPT],
    ['the worker', '/sw.js', null],
    ['the web manifest', '/manifest.webmanifest', null],
  ])(
    'sends %s in Brotli to a browser that accepts it, much smaller and intact',
    async (_what, path, text) => {
      const response = await raw(path, BROWSER)
      expect(response.status).toBe(200)
      expect(response.headers['content-encoding']).toBe('br')
      expect(response.headers.vary).toMatch(/accept-encoding/i)
      expect(Number(response.headers['content-length'])).toBe(response.body.length)
      const decoded = brotliDecompressSync(response.body).toString()
      if (text !== null) expect(decoded).toBe(text)
      expect(response.body.length).toBeLessThan(Buffer.byteLength(decoded) / 2)
    },
  )

  it('sends gzip to a client without Brotli, and nothing encoded to one that accepts neither', async () => {
    const gzipped = await raw('/assets/index-AbC123.js', { 'accept-encoding': 'gzip' })
    expect(gzipped.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzipped.body).toString()).toBe(SCRIPT)
    const plain = await raw('/assets/index-AbC123.js', {})
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.toString()).toBe(SCRIPT)
    const refused = await raw('/assets/index-AbC123.js', { 'accept-encoding': 'br;q=0, gzip;q=0' })
    expect(refused.headers['content-encoding']).toBeUndefined()
  })

  it('leaves images as they are: PNG is compressed already', async () => {
    const response = await raw('/icons/icon-192.png', BROWSER)
    expect(response.status).toBe(200)
    expect(response.headers['content-encoding']).toBeUndefined()
    expect(response.body.length).toBe(4096)
  })

  it('serves what a redeploy put in the folder, never an encoding of the old file', async () => {
    const file = join(staticDir, 'assets', 'later-Xy9.js')
    writeFileSync(file, SCRIPT)
    const first = await raw('/assets/later-Xy9.js', BROWSER)
    writeFileSync(file, SCRIPT.replace('value0', 'changed'))
    const second = await raw('/assets/later-Xy9.js', BROWSER)
    expect(brotliDecompressSync(second.body).toString()).toContain('changed')
    expect(second.headers.etag).not.toBe(first.headers.etag)
  })

  it('encodes the text files in Brotli when the server starts, so the first visitor does not wait for it', async () => {
    // A fresh server encoded each file on its first request: 0.35 s for the app's bundle, on the
    // first visitor's path to the first paint (and on every Lighthouse run, each on a new server).
    const folder = mkdtempSync(join(tmpdir(), 'leeway-warm-'))
    try {
      mkdirSync(join(folder, 'assets'))
      writeFileSync(join(folder, 'index.html'), PAGE)
      writeFileSync(join(folder, 'tiny.html'), '<p>too small to be worth it</p>')
      writeFileSync(join(folder, 'assets', 'index-AbC123.js'), SCRIPT)
      writeFileSync(join(folder, 'assets', 'logo.png'), Buffer.alloc(4096, 7))
      expect(await appFileHeaders({ warm: folder }).warmed).toBe(2)
      expect(await appFileHeaders().warmed).toBe(0)
      expect(await appFileHeaders({ warm: join(folder, 'missing') }).warmed).toBe(0)
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.9', 'gzip'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['identity', undefined],
    ['', undefined],
  ])('Accept-Encoding %j chooses %s', (header, expected) => {
    expect(preferredEncoding(header)).toBe(expected)
  })
})

describe('caching', () => {
  it('lets every cache keep hashed assets for a year without asking again', async () => {
    for (const path of ['/assets/index-AbC123.js', '/assets/index-AbC123.css']) {
      const response = await raw(path, BROWSER)
      expect(response.headers['cache-control']).toBe(IMMUTABLE)
    }
  })

  it.each(['/', '/index.html', '/sw.js', '/manifest.webmanifest', '/admin', '/s/shr_AAAA'])(
    'makes browsers revalidate %s, so a release is seen at the next load',
    async (path) => {
      const response = await raw(path, BROWSER)
      expect(response.status).toBe(200)
      expect(response.headers['cache-control']).toBe('no-cache')
    },
  )

  it('answers a revalidation of an unchanged page with 304 and no body', async () => {
    const first = await raw('/', BROWSER)
    const etag = String(first.headers.etag)
    expect(etag).toMatch(/^"[^"]+"$/)
    const again = await raw('/', { ...BROWSER, 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
    expect(again.headers['cache-control']).toBe('no-cache')
  })

  it('Should not cache a missing asset as immutable - a later deploy may add it', async () => {
    const response = await raw('/assets/index-Missing.js', BROWSER)
    expect(response.status).toBe(404)
    expect(response.headers['cache-control']).not.toBe(IMMUTABLE)
  })
})

describe('paths that are not the app', () => {
  it.each([
    '/_license/state',
    '/_license/activate',
    '/api/v2/activate',
    '/nothing-here',
    '/wp-login.php',
    '/notes/some-note',
    '/assets/index-Missing.js',
    '/s/',
    '/s/abc/def',
    '/admin/other',
  ])('Should not answer %s with the app page - 404 in the API error shape', async (path) => {
    const response = await fetch(`${running.url}${path}`)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } })
  })

  it('Should not answer a POST to /_license/activate with the page - a page without a worker reads not_found', async () => {
    const response = await fetch(`${running.url}/_license/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/html' },
      body: '{}',
    })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } })
  })

  it('shows a person who followed a dead link a short page with a way to the app', async () => {
    const response = await fetch(`${running.url}/notes/some-note`, {
      headers: { accept: 'text/html,application/xhtml+xml' },
    })
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    const html = await response.text()
    expect(html).toContain('<a href="/">')
    expect(html).not.toContain('<script')
  })

  it('keeps the app routes: the start page, its shared links and the dashboard', async () => {
    for (const path of ['/', '/index.html', '/?source=pwa', '/s/shr_AbC-12_x']) {
      const response = await fetch(`${running.url}${path}`)
      expect(response.status, path).toBe(200)
      expect(await response.text()).toBe(PAGE)
    }
    expect(await (await fetch(`${running.url}/admin/`)).text()).toContain('Leeway admin')
  })
})

describe('robots.txt', () => {
  it('lets crawlers read the start page but not shared notes, the dashboard or the APIs', async () => {
    const response = await fetch(`${running.url}/robots.txt`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    expect(text).toMatch(/^User-agent: \*$/m)
    for (const path of ['/s/', '/admin', '/api/', '/_license/'])
      expect(text).toContain(`Disallow: ${path}\n`)
    expect(text).not.toMatch(/^Disallow: \/$/m)
  })
})
