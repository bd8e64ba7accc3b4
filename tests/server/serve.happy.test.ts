import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// `npm start` and `leeway serve` are one path (server/serve.ts): the same settings, read the same
// way. Each runs here as a process of its own, as an operator starts it, on a port of its choosing:
// the compiled server (dist-server/, compiled by the suite's global setup), as in production.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const COMMANDS = {
  'npm start': ['dist-server/server/start.js'],
  'leeway serve': ['bin/leeway.js', 'serve', '--no-build'],
} as const

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

interface Started {
  url: Promise<string>
  exit: Promise<{ code: number | null; stderr: string }>
  stop(): void
}

function start(command: keyof typeof COMMANDS, env: Record<string, string>): Started {
  const dir = mkdtempSync(join(tmpdir(), 'leeway-serve-'))
  dirs.push(dir)
  const child = spawn(process.execPath, COMMANDS[command], {
    cwd: REPO,
    // SQLite in a folder of its own, whatever the suite's backend; no build, port 0.
    env: {
      ...process.env,
      DATABASE_URL: '',
      LEEWAY_DATA: dir,
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
  return { url, exit, stop: () => child.kill('SIGTERM') }
}

describe.each(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])('%s', (command) => {
  it('serves the API, and stops cleanly on SIGTERM', async () => {
    const started = start(command, {})
    const url = await started.url
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    started.stop()
    expect((await started.exit).code).toBe(0)
  })

  it('Should not start with LEEWAY_TRUST_PROXY that names no number of proxies - one line says why', async () => {
    const started = start(command, { LEEWAY_TRUST_PROXY: 'lots' })
    started.url.catch(() => undefined)
    const { code, stderr } = await started.exit
    expect(code).toBe(1)
    expect(stderr.trim()).toMatch(/^leeway: LEEWAY_TRUST_PROXY must be the number of proxies/)
  })
})
