import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Suites that run `npm start` and `leeway` as an operator does run the compiled server
// (dist-server/): compiled here once if the sources changed, so no test spends its time on it.
export default function compileServerIfStale(): void {
  execFileSync(process.execPath, ['bin/compileServer.js', '--if-stale'], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    stdio: 'inherit',
  })
}
