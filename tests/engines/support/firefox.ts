import { existsSync } from 'node:fs'
import puppeteer from 'puppeteer-core'
import type { Browser, Page } from 'puppeteer-core'
import type { Engine, EngineBrowser, EngineTab } from './engine.ts'

/** How long an action waits for its element to appear, as Playwright's locators do. */
const ELEMENT_TIMEOUT_MS = 10_000

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'

/**
 * Debian's Firefox ESR over WebDriver BiDi (puppeteer-core): Playwright's own BiDi channel does not
 * run ESR, and its patched Firefox is never downloaded here.
 */
export const firefox: Engine = {
  name: 'Firefox ESR',
  missing: () =>
    existsSync(FIREFOX) ? null : `${FIREFOX} is not installed (apt-get install firefox-esr)`,
  async launch() {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      // Wide enough for the two-panel layout: on a phone's width the license panel is another view.
      defaultViewport: { width: 1280, height: 900 },
      extraPrefsFirefox: {
        // Nothing the suite does not ask for: no update checks or telemetry on the shared machine.
        'app.update.enabled': false,
        'datareporting.policy.dataSubmissionEnabled': false,
        'toolkit.telemetry.enabled': false,
      },
    })
    return new FirefoxBrowser(browser)
  },
}

class FirefoxBrowser implements EngineBrowser {
  readonly #browser: Browser

  constructor(browser: Browser) {
    this.#browser = browser
  }

  async newTab(): Promise<EngineTab> {
    return new FirefoxTab(await this.#browser.newPage())
  }

  async close(): Promise<void> {
    await this.#browser.close()
  }
}

class FirefoxTab implements EngineTab {
  readonly #page: Page

  constructor(page: Page) {
    this.#page = page
  }

  async goto(url: string): Promise<void> {
    await this.#page.goto(url)
  }

  async reload(): Promise<void> {
    await this.#page.reload()
  }

  async evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return (await this.#page.evaluate(fn as (arg: unknown) => unknown, arg)) as R
  }

  async click(selector: string): Promise<void> {
    await this.#page.locator(selector).setTimeout(ELEMENT_TIMEOUT_MS).click()
  }

  async clickButton(name: string): Promise<void> {
    // Puppeteer's text selector also matches a part of the text: XPath says "exactly".
    const literal = name.includes("'") ? `"${name}"` : `'${name}'`
    await this.#page
      .locator(`::-p-xpath(//button[normalize-space()=${literal}])`)
      .setTimeout(ELEMENT_TIMEOUT_MS)
      .click()
  }

  async type(selector: string, text: string): Promise<void> {
    const field = await this.#page.waitForSelector(selector, {
      visible: true,
      timeout: ELEMENT_TIMEOUT_MS,
    })
    if (!field) throw new Error(`no field ${selector}`)
    await field.type(text)
  }

  async close(): Promise<void> {
    await this.#page.close()
  }
}
