import { serve } from '../serve.ts'
import type { CliValues } from './arguments.ts'

/**
 * `leeway serve [--port N] [--host H] [--no-build] [--no-app] [--cors-origin ORIGIN]…`: serves
 * until SIGINT or SIGTERM. `--cors-origin` may be repeated (or list origins with commas); given,
 * it replaces LEEWAY_CORS_ORIGINS.
 */
export async function serveCommand(dataDir: string, values: CliValues): Promise<number> {
  const running = await serve({
    dataDir,
    port: Number(values.port ?? process.env.PORT ?? 8787),
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    build: !values['no-build'] && process.env.LEEWAY_SKIP_BUILD !== '1',
    app: !values['no-app'],
    corsOrigins: values['cors-origin']?.flatMap((value) => value.split(',')),
  })
  await new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await running.stop()
  return 0
}
