import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ENTRY = fileURLToPath(new URL('./licenseServer.ts', import.meta.url))
// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common architecture.
const MICROS_PER_TICK = 10_000
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
    // As `leeway serve` runs: a JSON line per request at the default level, here into a file of
    // the data folder (a terminal would cost more than a deployment's log collector does).
    const log = openSync(join(dataDir, 'server.log'), 'a')
    const child = fork(ENTRY, [dataDir], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', log, 'inherit', 'ipc'],
    })
    closeSync(log)
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

  /**
   * CPU time the process has used so far, in µs: its main thread (the event loop) and all its
   * threads (with libuv's thread pool, where the cryptography runs). Linux only; NaN elsewhere.
   */
  cpu(): { mainMicros: number; totalMicros: number } {
    const read = (path: string) => {
      if (!existsSync(path)) return NaN
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks.
      const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? []
      return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK
    }
    return {
      mainMicros: read(`/proc/${this.pid}/task/${this.pid}/stat`),
      totalMicros: read(`/proc/${this.pid}/stat`),
    }
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
