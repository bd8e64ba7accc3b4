import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

export interface VirtualDisplay {
  /** The DISPLAY value, ":N". */
  readonly display: string
  stop(): Promise<void>
}

/**
 * A virtual X display for WebKitGTK, which has no headless mode of its own. Xvfb picks a free
 * display number itself (`-displayfd`), so runs beside other suites on the machine never collide.
 */
export async function startXvfb(): Promise<VirtualDisplay> {
  const xvfb: ChildProcess = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  )
  let errors = ''
  xvfb.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<void>((done) => xvfb.once('exit', () => done()))
  const number = await new Promise<string>((resolve, reject) => {
    let text = ''
    const fd = xvfb.stdio[3]
    if (!fd) return reject(new Error('Xvfb gave no display pipe'))
    fd.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('\n')) resolve(text.trim())
    })
    xvfb.once('error', reject)
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${errors.trim()}`)))
    setTimeout(() => reject(new Error('Xvfb did not start within 10 s')), 10_000).unref()
  })
  return {
    display: `:${number}`,
    async stop() {
      xvfb.kill('SIGTERM')
      await exited
    },
  }
}
