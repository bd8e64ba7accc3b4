import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EXAMPLE_ENV, examplePorts } from './ports.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const EXAMPLE_SOURCE = join(REPO, 'examples', 'sketch')

/**
 * As a vendor would: the package packed, installed into a copy of the example outside this
 * repository (nothing can resolve from the repository's node_modules), the license server set up
 * through its CLI, the app built against it, both served. Answers the teardown.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const ports = examplePorts()
  const origins = {
    api: `http://127.0.0.1:${ports.api}`,
    app: `http://127.0.0.1:${ports.app}`,
    dev: `http://127.0.0.1:${ports.dev}`,
  }
  const packDir = resolve(REPO, '.tmp', `example-pack-${ports.api}`)
  rmSync(packDir, { recursive: true, force: true })
  mkdirSync(packDir, { recursive: true })
  step('npm pack')
  execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: REPO, stdio: 'ignore' })
  const tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith('.tgz')) ?? '')

  const app = mkdtempSync(join(tmpdir(), 'leeway-example-'))
  cpSync(EXAMPLE_SOURCE, app, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist|dev-dist)$/.test(source),
  })
  step('npm install <tarball> into a copy of examples/sketch')
  execFileSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      tarball,
    ],
    { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] },
  )

  // The license server: a data folder of its own, the example's manifest, one license.
  const dataDir = resolve(REPO, '.tmp', `example-data-${ports.api}`)
  rmSync(dataDir, { recursive: true, force: true })
  const cliEnv = { ...process.env, LEEWAY_DATA: dataDir }
  const leeway = (...args: string[]) =>
    execFileSync(process.execPath, [join(REPO, 'bin', 'leeway.js'), ...args], {
      cwd: REPO,
      env: cliEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  step('license server: manifest, license, root key')
  leeway('manifest', 'apply', join(EXAMPLE_SOURCE, 'license-manifest.json'))
  const createLicense = () =>
    JSON.parse(
      leeway('license', 'create', '--product', 'sketch', '--plan', 'pro', '--seats', '1'),
    ) as { id: string; key: string }
  const license = createLicense()
  const devLicense = createLicense()
  writeFileSync(join(app, 'leeway-root.pub.json'), leeway('keys', 'export-root'))

  step('build the example')
  const appEnv = { ...process.env, LICENSE_SERVER_ORIGIN: origins.api }
  execFileSync('npm', ['run', 'build'], {
    cwd: app,
    env: appEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  })

  const vite = join(app, 'node_modules', 'vite', 'bin', 'vite.js')
  const children = [
    start(
      'license server',
      [
        join(REPO, 'bin', 'leeway.js'),
        'serve',
        '--no-app',
        '--port',
        String(ports.api),
        '--cors-origin',
        origins.app,
        '--cors-origin',
        origins.dev,
      ],
      { cwd: REPO, env: { ...cliEnv, LOG_LEVEL: 'warn' } },
    ),
    start(
      'example (vite preview)',
      [vite, 'preview', '--port', String(ports.app), '--strictPort', '--host', '127.0.0.1'],
      {
        cwd: app,
        env: appEnv,
      },
    ),
    start(
      'example (vite dev)',
      [vite, '--port', String(ports.dev), '--strictPort', '--host', '127.0.0.1'],
      {
        cwd: app,
        env: appEnv,
      },
    ),
  ]
  const stop = async () => {
    await Promise.all(children.map(stopProcess))
    rmSync(app, { recursive: true, force: true })
  }
  try {
    await Promise.all([
      waitFor(`${origins.api}/healthz`),
      waitFor(origins.app),
      waitFor(origins.dev),
    ])
  } catch (error) {
    await stop()
    throw error
  }

  process.env[EXAMPLE_ENV.app] = origins.app
  process.env[EXAMPLE_ENV.dev] = origins.dev
  process.env[EXAMPLE_ENV.licenseKey] = license.key
  process.env[EXAMPLE_ENV.licenseId] = license.id
  process.env[EXAMPLE_ENV.devLicenseKey] = devLicense.key
  process.env[EXAMPLE_ENV.dataDir] = dataDir
  process.env[EXAMPLE_ENV.installedApp] = app
  return stop
}

function step(what: string): void {
  console.log(`example: ${what}`)
}

/** Processes being stopped on purpose: their exit is not news. */
const stopping = new WeakSet<ChildProcess>()

function start(
  name: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  const child = spawn(process.execPath, args, {
    ...options,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  child.once('exit', (code, signal) => {
    if (!stopping.has(child) && code !== 0 && signal === null)
      console.error(`example: ${name} exited with ${code}`)
  })
  return child
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((done) => child.once('exit', done))
  stopping.add(child)
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`example: ${url} did not answer within ${timeoutMs} ms`)
    await new Promise((done) => setTimeout(done, 250))
  }
}
