import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ENTRY = fileURLToPath(new URL('./licenseServer.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Resident memory of a process, in bytes: now, and the most it ever held (high-water mark). */
export interface Memory {
  rss: number
  peakRss: number
}

/**
 * The real license server (`listen` over a data folder) in a child process on 127.0.0.1:0, so it
 * has a core to itself on a 2-core machine and its resident memory is its own.
 */
export class LicenseServerProcess {
  readonly url: string
  readonly #child: ChildProcess

  private constructor(url: string, child: ChildProcess) {
    this.url = url
    this.#child = child
  }

  static async start(dataDir: string): Promise<LicenseServerProcess> {
    const child = fork(ENTRY, [dataDir], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const url = await new Promise<string>((resolve, reject) => {
      const onMessage = (message: { type?: string; url?: string }) => {
        if (message.type !== 'listening' || !message.url) return
        child.off('exit', onExit)
        resolve(message.url)
      }
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(`license server exited before listening (${code ?? signal})`))
      child.on('message', onMessage)
      child.once('exit', onExit)
    })
    return new LicenseServerProcess(url, child)
  }

  get pid(): number {
    return this.#child.pid ?? -1
  }

  /** Resident memory from /proc (Linux); elsewhere asks the process itself (peak unknown). */
  async memory(): Promise<Memory> {
    const status = `/proc/${this.pid}/status`
    if (existsSync(status)) {
      const text = readFileSync(status, 'utf8')
      const kib = (field: string) =>
        Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN)
      return { rss: kib('VmRSS') * 1024, peakRss: kib('VmHWM') * 1024 }
    }
    const rss = await new Promise<number>((resolve) => {
      this.#child.once('message', (message: { rss?: number }) => resolve(message.rss ?? NaN))
      this.#child.send({ type: 'memory' })
    })
    return { rss, peakRss: NaN }
  }

  /** Asks the server to close; kills it (this child only) if it has not exited within 5 s. */
  async stop(): Promise<void> {
    const child = this.#child
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    if (child.connected) child.send({ type: 'close' })
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
}
