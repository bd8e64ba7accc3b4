import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../../server/http/securityHeaders.ts'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import { startTestServer } from './helpers/testServer.ts'
import type { TestServer } from './helpers/testServer.ts'

// Issue #11, item 8b: the app's pages had no policy, no framing rule and no nosniff, so any site
// could frame the app (and overlay clicks on it). A built app's layout, served by a real server.

let server: TestServer
let running: RunningServer
let staticDir: string

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'leeway-static-'))
  mkdirSync(join(staticDir, 'assets'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Leeway Notes</title>')
  writeFileSync(join(staticDir, 'admin.html'), '<!doctype html><title>Leeway admin</title>')
  writeFileSync(join(staticDir, 'assets', 'index-AbC123.js'), 'export {}')
  writeFileSync(join(staticDir, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  server = await startTestServer()
  running = await listen(server.data, { port: 0, host: '127.0.0.1', staticDir })
})

afterAll(async () => {
  await running.close()
  await server.close()
  rmSync(staticDir, { recursive: true, force: true })
})

const get = (path: string) => fetch(`${running.url}${path}`)

describe('pages', () => {
  it.each(['/', '/index.html', '/s/shr_AAAAAAAAAAAAAAAAAAAAAA', '/admin'])(
    'Should not let another site frame %s - a strict policy, DENY, nosniff and no referrer',
    async (path) => {
      const response = await get(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      const policy = response.headers.get('content-security-policy') ?? ''
      expect(policy).toBe(CONTENT_SECURITY_POLICY)
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
      ])
        expect(policy).toContain(directive)
      expect(policy).not.toContain('unsafe')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    },
  )
})

describe('everything else', () => {
  it.each([
    ['a hashed script', '/assets/index-AbC123.js', 200],
    ['the worker script', '/sw.js', 200],
    ['an API answer', '/api/v1/keys', 200],
    ['an API error', '/api/v1/nothing-here', 404],
    ['a refused body', '/api/v1/validate', 400],
  ])('Should not be sniffed: %s carries nosniff', async (_what, path, status) => {
    const response =
      status === 400
        ? await fetch(`${running.url}${path}`, { method: 'POST', body: 'x' })
        : await get(path)
    expect(response.status).toBe(status)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
