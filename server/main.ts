import { createAdaptorServer } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { createApp } from './app.ts'
import type { Deployment } from './deployment/openDeployment.ts'
import { Metrics } from './observability/Metrics.ts'
import {
  createLogger,
  logLevelFromEnv,
  silentLogger,
  stdoutDestination,
} from './observability/logger.ts'
import type { AppDeps } from './services.ts'
import { startShareSweep } from './services/shareSweep.ts'

export interface RunningServer {
  url: string
  close(): Promise<void>
}

/** Listens with the app of a deployment; resolves once the port is open. */
export async function listen(
  deployment: Deployment,
  options: {
    port: number
    host: string
    staticDir?: string | undefined
    trustedProxies?: number
    corsOrigins?: readonly string[]
  },
  overrides: Partial<AppDeps> = {},
): Promise<RunningServer> {
  const deps = deployment.deps({
    staticDir: options.staticDir,
    trustedProxies: options.trustedProxies ?? 0,
    corsOrigins: options.corsOrigins,
    // JSON logs on stdout at LOG_LEVEL, and the process's own metrics beside the server's.
    logger: createLogger({ level: logLevelFromEnv(), destination: stdoutDestination() }),
    metrics: new Metrics({ processMetrics: true }),
    ...overrides,
  })
  const app = createApp(deps)
  return new Promise((resolvePromise, reject) => {
    const server = createAdaptorServer({ fetch: app.fetch })
    server.once('error', reject)
    // Node's default accept queue (511) overflows when thousands of devices reconnect at once, and
    // the kernel then drops their connection attempts: each retries after 1 s, 3 s, 7 s, and some
    // give up. A deep queue keeps them in line instead, well within the worker's 10 s timeout.
    server.listen({ port: options.port, host: options.host, backlog: LISTEN_BACKLOG }, () => {
      const info = server.address() as AddressInfo
      const shareSweep = startShareSweep(
        deps.store,
        deps.now ?? Date.now,
        deps.logger ?? silentLogger(),
      )
      resolvePromise({
        url: `http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`,
        close: () =>
          new Promise((done) => {
            shareSweep.stop()
            server.close(() => done())
            // Keep-alive sockets would hold close() open for their whole timeout.
            if ('closeAllConnections' in server) server.closeAllConnections()
          }),
      })
    })
  })
}

// Linux caps it at net.core.somaxconn (4096 by default since 5.4).
const LISTEN_BACKLOG = 4096
