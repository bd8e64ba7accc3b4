import { ConfigError } from './config/ConfigError.ts'
import { KekError } from './keys/Kek.ts'
import { serve } from './serve.ts'

// `npm start`: the same path as `leeway serve` (server/serve.ts), with its settings from the
// environment only. LEEWAY_SKIP_BUILD=1 serves the app as last built.
const running = await serve({
  dataDir: process.env.LEEWAY_DATA ?? './data',
  port: Number(process.env.PORT ?? 8787),
  host: process.env.HOST ?? '127.0.0.1',
  build: process.env.LEEWAY_SKIP_BUILD !== '1',
}).catch((error: unknown) => {
  // A setting to fix gets one line that says how, not a stack trace.
  if (error instanceof ConfigError || error instanceof KekError) {
    console.error(`leeway: ${error.message}`)
    process.exit(1)
  }
  throw error
})

const stop = async () => {
  await running.stop()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
