import { defineConfig } from 'vitest/config'

// The server suite runs again on PostgreSQL when one is configured; CI must always have one.
const postgres = Boolean(process.env.TEST_DATABASE_URL) || Boolean(process.env.CI)
if (!postgres && process.argv.some((arg) => arg.includes('server-pg')))
  console.warn('\n  server-pg: TEST_DATABASE_URL is not set; the PostgreSQL suite is skipped\n')

// `leeway/*` from the sources, as the demo app imports it (package.json exports). Each project
// needs it: inline projects do not inherit the root config.
const LEEWAY_SOURCE = {
  resolve: { conditions: ['leeway-source'] },
  ssr: { resolve: { conditions: ['leeway-source'], externalConditions: ['leeway-source'] } },
}

// Each project keeps its own include list: a top-level include would be merged into every project.
export default defineConfig({
  test: {
    projects: [
      {
        ...LEEWAY_SOURCE,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        ...LEEWAY_SOURCE,
        // The crypto suites again, with @peculiar/webcrypto as the runtime's WebCrypto.
        test: {
          name: 'unit-peculiar',
          include: ['tests/unit/crypto/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['tests/unit/setup/peculiarCrypto.ts'],
        },
      },
      {
        ...LEEWAY_SOURCE,
        test: {
          name: 'server',
          include: ['tests/server/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/server/setup/compiledServer.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Suites that start real servers share ports and files badly when run in parallel on 2 cores.
          fileParallelism: false,
        },
      },
      {
        ...LEEWAY_SOURCE,
        // The same server suite on PostgreSQL: one database per run, one schema per test server.
        test: {
          name: 'server-pg',
          include: postgres
            ? ['tests/server/**/*.test.ts']
            : ['tests/server/setup/postgresMissing.ts'],
          environment: 'node',
          env: { LEEWAY_TEST_BACKEND: 'postgres' },
          globalSetup: postgres
            ? ['tests/server/setup/compiledServer.ts', 'tests/server/setup/postgresDatabase.ts']
            : [],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // After the SQLite run, not beside it: the crash and concurrency suites time real work.
          sequence: { groupOrder: 1 },
        },
      },
      {
        ...LEEWAY_SOURCE,
        // Firefox ESR and WebKitGTK against the real server (tests/engines): `npm run test:engines`.
        // One browser at a time on 2 cores; each test waits on real timeouts and backoffs.
        test: {
          name: 'engines',
          include: ['tests/engines/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/engines/support/startServer.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
    allowOnly: !process.env.CI,
  },
})
