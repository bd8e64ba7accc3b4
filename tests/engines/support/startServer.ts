import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { ENGINES_DATA, ENGINES_PORT, REQUEST_TIMEOUT_MS, SERVER } from './settings.ts'

// Vitest global setup of the engines project: the real license server with the demo data and the
// app built with its root key pinned, exactly as the Playwright suite starts it (tests/e2e/serve.ts).
export default async function startServer(): Promise<() => Promise<void>> {
  // The tests run `leeway offline-activate` (bin/leeway.js): compiled up front, not inside a test.
  execFileSync('node', ['bin/compileServer.js', '--if-stale'], { stdio: 'inherit' })
  const server = spawn('node', ['--import', 'tsx', 'tests/e2e/serve.ts'], {
    env: {
      ...process.env,
      LEEWAY_DATA: ENGINES_DATA,
      PORT: String(ENGINES_PORT),
      LEEWAY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const exited = new Promise<void>((done) => server.once('exit', () => done()))
  const deadline = Date.now() + 120_000
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null)
      throw new Error(
        `the license server stopped before it answered (${server.exitCode ?? server.signalCode})`,
      )
    try {
      if ((await fetch(`${SERVER}/healthz`)).ok) break
    } catch {
      // Not listening yet: it builds the app first.
    }
    if (Date.now() > deadline) {
      server.kill('SIGKILL')
      throw new Error(`the license server did not answer on ${SERVER} within 120 s`)
    }
    await new Promise((done) => setTimeout(done, 250))
  }
  return async () => {
    server.kill('SIGTERM')
    await exited
  }
}
