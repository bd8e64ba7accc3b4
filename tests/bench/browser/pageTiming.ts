import type { BrowserContext, CDPSession, Page } from '@playwright/test'

/** Loads `url` and waits until a service worker controls the page (the first load is not). */
export async function openControlled(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 30_000,
  })
}

/** A fetch from the page, timed in the page: request to the end of the body. */
export async function timedFetch(
  page: Page,
  path: string,
  init?: { method: string; body: unknown },
): Promise<{ ms: number; status: number; body: string }> {
  return page.evaluate(
    async ({ path, init }) => {
      const start = performance.now()
      const response = await fetch(
        path,
        init
          ? {
              method: init.method,
              // As the app's client sends it (src/client/licenseActions.ts).
              headers: { 'content-type': 'application/json', 'x-leeway-request': '1' },
              body: JSON.stringify(init.body),
            }
          : undefined,
      )
      const body = await response.text()
      return { ms: performance.now() - start, status: response.status, body }
    },
    { path, init },
  )
}

/**
 * Times `calls` fetches of each path from the page, interleaved (the order rotates every round so
 * that neither path always goes first), after `warmup` untimed rounds. Returns ms per path.
 */
export async function interleavedFetches(
  page: Page,
  paths: readonly string[],
  calls: number,
  warmup: number,
): Promise<{ samples: number[][]; statuses: number[] }> {
  // No named functions inside: tsx would wrap them in a helper (__name) the page does not have.
  return page.evaluate(
    async ({ paths, calls, warmup }) => {
      const statuses = paths.map(() => 0)
      const samples: number[][] = paths.map(() => [])
      for (let round = 0; round < warmup + calls; round++) {
        for (let k = 0; k < paths.length; k++) {
          const index = (k + round) % paths.length
          const start = performance.now()
          const response = await fetch(paths[index] ?? '')
          await response.text()
          const ms = performance.now() - start
          statuses[index] = response.status
          if (round >= warmup) samples[index]?.push(ms)
        }
      }
      return { samples, statuses }
    },
    { paths, calls, warmup },
  )
}

/** Stops every service worker of the context through CDP and waits until they have stopped. */
export class WorkerStopper {
  readonly #cdp: CDPSession
  readonly #status = new Map<string, string>()

  private constructor(cdp: CDPSession) {
    this.#cdp = cdp
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const version of versions) this.#status.set(version.versionId, version.runningStatus)
    })
  }

  static async attach(context: BrowserContext, page: Page): Promise<WorkerStopper> {
    const stopper = new WorkerStopper(await context.newCDPSession(page))
    await stopper.#cdp.send('ServiceWorker.enable')
    return stopper
  }

  async stopAll(): Promise<void> {
    await this.#cdp.send('ServiceWorker.stopAllWorkers')
    const deadline = Date.now() + 10_000
    while ([...this.#status.values()].some((status) => status !== 'stopped')) {
      if (Date.now() > deadline) throw new Error('the service worker did not stop within 10 s')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}
