import { defineConfig } from 'vitest/config'

// Each project keeps its own include list: a top-level include would be merged into every project.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // The crypto suites again, with @peculiar/webcrypto as the runtime's WebCrypto.
        test: {
          name: 'unit-peculiar',
          include: ['tests/unit/crypto/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['tests/unit/setup/peculiarCrypto.ts'],
        },
      },
      {
        test: {
          name: 'server',
          include: ['tests/server/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Suites that start real servers share ports and files badly when run in parallel on 2 cores.
          fileParallelism: false,
        },
      },
    ],
    allowOnly: !process.env.CI,
  },
})
