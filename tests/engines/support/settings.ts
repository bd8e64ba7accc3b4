// Where the Firefox and WebKit suite runs: ports of its own (8831–8839), so it can run beside the
// Playwright suite (E2E_PORT) and other engineers' runs on one machine.

/** The license server the suite starts (tests/e2e/serve.ts), on 127.0.0.1. */
export const ENGINES_PORT = Number(process.env.ENGINES_PORT ?? 8831)
export const SERVER = `http://127.0.0.1:${ENGINES_PORT}`
/** The server's data folder: made afresh each run; `leeway offline-activate` reads it too. */
export const ENGINES_DATA = `.tmp/engines-data-${ENGINES_PORT}`
/** WebKitWebDriver's port. */
export const WEBDRIVER_PORT = Number(process.env.ENGINES_WEBDRIVER_PORT ?? ENGINES_PORT + 8)
/** The worker's wait for the license server in this build, as in the Playwright suite. */
export const REQUEST_TIMEOUT_MS = 3_000
