import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// `npm start` and `leeway serve` are one path (server/serve.ts): the same settings, read the same
// way. Each runs here as a process of its own, as an operator starts it, on a port of its choosing:
// the compiled server (dist-server/, compiled by the suite's global setup), as in production.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const COMMANDS = {
  'npm start': [join(REPO, 'dist-server/server/start.js')],
  'leeway serve': [join(REPO, 'bin/leeway.js'), 'serve', '--no-build'],
} as const

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

interface Started {
  url: Promise<string>
  exit: Promise<{ code: number | null; stderr: string }>
  /** What it printed on stdout so far. */
  stdout(): string
  stop(): void
}

function start(
  command: keyof typeof COMMANDS,
  env: Record<string, string>,
  args: readonly string[] = [],
): Started {
  // A folder of its own to run in, with an app as built in its dist/ (a page and the dashboard).
  const dir = mkdtempSync(join(tmpdir(), 'leeway-serve-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'dist'))
  writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>Leeway Notes</title>')
  writeFileSync(join(dir, 'dist', 'admin.html'), '<!doctype html><title>Leeway admin</title>')
  const child = spawn(process.execPath, [...COMMANDS[command], ...args], {
    cwd: dir,
    // SQLite in a folder of its own, whatever the suite's backend; no build, port 0.
    env: {
      ...process.env,
      DATABASE_URL: '',
      LEEWAY_DATA: join(dir, 'data'),
      LEEWAY_SKIP_BUILD: '1',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  )
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const running = /Leeway is running at (\S+)/.exec(stdout)
      if (running?.[1]) resolve(running[1])
    })
    void exit.then(({ code }) => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  return { url, exit, stdout: () => stdout, stop: () => child.kill('SIGTERM') }
}

/** Starts a command that must refuse to start, and answers what it said on stderr. */
async function refusal(started: Started): Promise<string> {
  started.url.catch(() => undefined)
  const { code, stderr } = await started.exit
  expect(code).toBe(1)
  return stderr.trim()
}

const APP_ORIGIN = 'https://app.example.com'

/** The headers of a browser's preflight from the vendor's app before a POST. */
const PREFLIGHT = {
  method: 'OPTIONS',
  headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST' },
}

describe.each(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])('%s', (command) => {
  it('serves the API, the app and the dashboard, and stops cleanly on SIGTERM', async () => {
    const started = start(command, {})
    const url = await started.url
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    for (const path of ['/', '/s/shr_AAAAAAAAAAAAAAAAAAAAAA', '/admin']) {
      const page = await fetch(`${url}${path}`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    }
    started.stop()
    expect((await started.exit).code).toBe(0)
  })

  it('Should not start with LEEWAY_TRUST_PROXY that names no number of proxies - one line says why', async () => {
    const started = start(command, { LEEWAY_TRUST_PROXY: 'lots' })
    expect(await refusal(started)).toMatch(
      /^leeway: LEEWAY_TRUST_PROXY must be the number of proxies/,
    )
  })

  it('answers the preflight of a page of an origin in LEEWAY_CORS_ORIGINS', async () => {
    const started = start(command, { LEEWAY_CORS_ORIGINS: `${APP_ORIGIN},http://localhost:5173` })
    const url = await started.url
    const response = await fetch(`${url}/api/v1/activate`, PREFLIGHT)
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN)
    started.stop()
    expect((await started.exit).code).toBe(0)
  })

  it('Should not start with LEEWAY_CORS_ORIGINS=* - license endpoints must not be callable from any site', async () => {
    const started = start(command, { LEEWAY_CORS_ORIGINS: '*' })
    expect(await refusal(started)).toBe(
      'leeway: LEEWAY_CORS_ORIGINS must list the origins of your apps one by one, not *: license endpoints must not be callable from any site',
    )
  })

  it('serves the API and no page with LEEWAY_SERVE_APP=0, and builds nothing at start', async () => {
    // LEEWAY_SKIP_BUILD unset: only the setting itself keeps the app from being built.
    const started = start(command, { LEEWAY_SERVE_APP: '0', LEEWAY_SKIP_BUILD: '' })
    await expectApiOnly(started)
  })
})

describe('leeway serve, options of its own', () => {
  it('serves the API and no page with --no-app, and builds nothing at start', async () => {
    const started = start('leeway serve', { LEEWAY_SKIP_BUILD: '' }, ['--no-app'])
    await expectApiOnly(started)
  })

  it('takes the origins of --cors-origin instead of LEEWAY_CORS_ORIGINS', async () => {
    const started = start('leeway serve', { LEEWAY_CORS_ORIGINS: 'https://other.example.com' }, [
      '--cors-origin',
      APP_ORIGIN,
      '--cors-origin',
      'http://localhost:5173',
    ])
    const url = await started.url
    const response = await fetch(`${url}/api/v1/activate`, PREFLIGHT)
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN)
    const other = await fetch(`${url}/api/v1/activate`, {
      ...PREFLIGHT,
      headers: { ...PREFLIGHT.headers, origin: 'https://other.example.com' },
    })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    started.stop()
    expect((await started.exit).code).toBe(0)
  })

  it('Should not start with a --cors-origin that is no origin - the message names the option', async () => {
    const started = start('leeway serve', {}, ['--cors-origin', `${APP_ORIGIN}/`])
    expect(await refusal(started)).toBe(
      `leeway: --cors-origin: "${APP_ORIGIN}/" is not an origin; write scheme://host[:port] as the browser sends it, like ${APP_ORIGIN}`,
    )
  })
})

/** Fails unless the server answers its API, health and JSON 404s, and serves no page. */
async function expectApiOnly(started: Started): Promise<void> {
  const url = await started.url
  expect((await fetch(`${url}/healthz`)).status).toBe(200)
  expect((await fetch(`${url}/api/v1/keys`)).status).toBe(200)
  for (const path of ['/', '/index.html', '/notes/some-note', '/admin', '/sw.js']) {
    const response = await fetch(`${url}${path}`)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } })
  }
  expect(started.stdout()).toContain('Serving the API only')
  expect(started.stdout()).not.toContain('Building')
  started.stop()
  expect((await started.exit).code).toBe(0)
}
