import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestDatabase } from './testServer.ts'

const ENTRY = fileURLToPath(new URL('./serveForTest.ts', import.meta.url))

/** A license server in a process of its own, on a real port. */
export interface ServerProcess {
  url: string
  child: ChildProcess
  /** Kills it with SIGKILL (no shutdown code runs) and resolves once it is gone. */
  kill(): Promise<{ exitCode: number | null; signalCode: NodeJS.Signals | null }>
  /** Asks it to stop (SIGTERM) and resolves once it has. */
  stop(): Promise<void>
}

/**
 * Starts `node --import tsx serveForTest.ts` on the data folder `dir` and the test database; the
 * child gets DATABASE_URL and LEEWAY_KEK from the database's options, and no other LEEWAY_ setting.
 */
export async function startServerProcess(
  dir: string,
  database: TestDatabase,
): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('LEEWAY_') && name !== 'DATABASE_URL') env[name] = value
  }
  env.LEEWAY_DATA = dir
  if (database.options.databaseUrl) env.DATABASE_URL = database.options.databaseUrl
  if (database.options.kek) env.LEEWAY_KEK = database.options.kek

  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<{ exitCode: number | null; signalCode: NodeJS.Signals | null }>(
    (resolve) => {
      child.once('exit', (exitCode, signalCode) => resolve({ exitCode, signalCode }))
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    void exited.then(({ exitCode, signalCode }) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${exitCode ?? signalCode}) before listening:\n${output}`))
    })
  })
  return {
    url,
    child,
    async kill() {
      child.kill('SIGKILL')
      return exited
    },
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}
