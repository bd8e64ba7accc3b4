import { serve } from '../serve.ts'
import type { CliValues } from './arguments.ts'

/** `leeway serve [--port N] [--host H] [--no-build]`: serves until SIGINT or SIGTERM. */
export async function serveCommand(dataDir: string, values: CliValues): Promise<number> {
  const running = await serve({
    dataDir,
    port: Number(values.port ?? process.env.PORT ?? 8787),
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    build: !values['no-build'] && process.env.LEEWAY_SKIP_BUILD !== '1',
  })
  await new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await running.stop()
  return 0
}
