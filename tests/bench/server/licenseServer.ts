import { openDeployment } from '../../../server/deployment/openDeployment.ts'
import { listen } from '../../../server/main.ts'
import { BENCH_LIMITS } from './benchLimits.ts'

// A license server in a process of its own, as `leeway serve` runs it (the data folder's defaults,
// SQLite), on an ephemeral loopback port: the bench drives it from another process, so the load
// generator never shares its event loop. Run by LicenseServerProcess; talks over IPC.
const dir = process.argv[2]
if (!dir || !process.send) throw new Error('usage: fork licenseServer.ts DATA_DIR (with IPC)')
const data = await openDeployment(dir)
const server = await listen(data, { port: 0, host: '127.0.0.1' }, { limits: BENCH_LIMITS })

const stop = async () => {
  await server.close()
  await data.store.close()
  process.exit(0)
}
process.on('message', (message: { type?: string }) => {
  if (message.type === 'close') void stop()
  if (message.type === 'memory') process.send?.({ type: 'memory', ...process.memoryUsage() })
})
// The bench died without saying goodbye: never outlive it.
process.on('disconnect', () => process.exit(0))
process.send({ type: 'listening', url: server.url })
