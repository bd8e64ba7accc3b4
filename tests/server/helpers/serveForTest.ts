import { deploymentSettingsFromEnv } from '../../../server/config/deploymentSettings.ts'
import { openDeployment } from '../../../server/deployment/openDeployment.ts'
import { listen } from '../../../server/main.ts'

// A real server process for the suites that kill or multiply servers: the data folder from
// LEEWAY_DATA, PostgreSQL from DATABASE_URL, limits far above what the suites send, a free port.
// It prints `listening <url>` once it accepts connections.
const dir = process.env.LEEWAY_DATA
if (!dir) throw new Error('LEEWAY_DATA is required')
const data = await openDeployment(dir, deploymentSettingsFromEnv())
// As GENEROUS_LIMITS in testServer.ts, which this process cannot import (it needs Vitest).
const plenty = { capacity: 100_000, perMinute: 100_000 }
const server = await listen(
  data,
  { port: 0, host: '127.0.0.1' },
  { limits: { activationsPerAddress: plenty, activationsPerLicense: plenty } },
)
console.log(`listening ${server.url}`)

const stop = async () => {
  await server.close()
  await data.store.close()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())
