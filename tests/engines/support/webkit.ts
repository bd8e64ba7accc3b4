import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Builder, By, until } from 'selenium-webdriver'
import type { Locator, WebDriver, WebElement } from 'selenium-webdriver'
import type { Engine, EngineBrowser, EngineTab } from './engine.ts'
import { pageScript, scriptResult } from './engine.ts'
import { WEBDRIVER_PORT } from './settings.ts'
import { startXvfb } from './xvfb.ts'
import type { VirtualDisplay } from './xvfb.ts'

/** How long an action waits for its element to appear, as Playwright's and Puppeteer's locators do. */
const ELEMENT_TIMEOUT_MS = 10_000

const WEBDRIVER = process.env.WEBKIT_WEBDRIVER_PATH ?? '/usr/bin/WebKitWebDriver'

/** MiniBrowser, WebKitGTK's test browser, from libwebkit2gtk (a dependency of webkit2gtk-driver). */
function miniBrowser(): string | null {
  if (process.env.WEBKIT_MINIBROWSER_PATH) return process.env.WEBKIT_MINIBROWSER_PATH
  const lib = '/usr/lib'
  for (const arch of existsSync(lib) ? readdirSync(lib) : []) {
    for (const version of ['webkit2gtk-4.1', 'webkit2gtk-4.0', 'webkitgtk-6.0']) {
      const path = join(lib, arch, version, 'MiniBrowser')
      if (existsSync(path)) return path
    }
  }
  return null
}

/** WebKitGTK's MiniBrowser driven by WebKitWebDriver (selenium-webdriver), on a virtual display. */
export const webkit: Engine = {
  name: 'WebKitGTK',
  missing() {
    if (!existsSync(WEBDRIVER))
      return `${WEBDRIVER} is not installed (apt-get install webkit2gtk-driver)`
    if (!miniBrowser()) return 'MiniBrowser is not installed (apt-get install webkit2gtk-driver)'
    if (!process.env.DISPLAY && !existsSync('/usr/bin/Xvfb'))
      return 'no DISPLAY and no Xvfb (apt-get install xvfb)'
    return null
  },
  async launch() {
    const display = process.env.DISPLAY ? null : await startXvfb()
    const driverProcess = spawn(WEBDRIVER, [`--port=${WEBDRIVER_PORT}`, '--host=127.0.0.1'], {
      env: { ...process.env, ...(display ? { DISPLAY: display.display } : {}) },
      stdio: 'ignore',
    })
    try {
      const url = `http://127.0.0.1:${WEBDRIVER_PORT}`
      await untilAnswered(`${url}/status`, driverProcess)
      const driver = await new Builder()
        .usingServer(url)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] },
        })
        .build()
      await driver.manage().setTimeouts({ script: 60_000, pageLoad: 30_000 })
      // Wide enough for the two-panel layout: on a phone's width the license panel is another view.
      await driver.manage().window().setRect({ width: 1280, height: 900 })
      return new WebKitBrowser(driver, driverProcess, display)
    } catch (error) {
      driverProcess.kill('SIGTERM')
      await display?.stop()
      throw error
    }
  },
}

async function untilAnswered(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode})`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not answer on ${url}`)
    await new Promise((done) => setTimeout(done, 100))
  }
}

class WebKitBrowser implements EngineBrowser {
  readonly #driver: WebDriver
  readonly #driverProcess: ChildProcess
  readonly #display: VirtualDisplay | null
  /** The session's first window: closing it would end the session, so it is only ever emptied. */
  #home: string | undefined
  #homeInUse = false

  constructor(driver: WebDriver, driverProcess: ChildProcess, display: VirtualDisplay | null) {
    this.#driver = driver
    this.#driverProcess = driverProcess
    this.#display = display
  }

  async newTab(): Promise<EngineTab> {
    this.#home ??= await this.#driver.getWindowHandle()
    if (!this.#homeInUse) {
      this.#homeInUse = true
      return new WebKitTab(this.#driver, this.#home, async () => {
        this.#homeInUse = false
        await this.#driver.get('about:blank')
      })
    }
    await this.#driver.switchTo().newWindow('tab')
    const handle = await this.#driver.getWindowHandle()
    return new WebKitTab(this.#driver, handle, async () => {
      await this.#driver.close()
      if (this.#home) await this.#driver.switchTo().window(this.#home)
    })
  }

  async close(): Promise<void> {
    try {
      await this.#driver.quit()
    } finally {
      this.#driverProcess.kill('SIGTERM')
      await this.#display?.stop()
    }
  }
}

/** A window of the session; classic WebDriver acts on the current one, so each call switches first. */
class WebKitTab implements EngineTab {
  readonly #driver: WebDriver
  readonly #handle: string
  readonly #onClose: () => Promise<void>

  constructor(driver: WebDriver, handle: string, onClose: () => Promise<void>) {
    this.#driver = driver
    this.#handle = handle
    this.#onClose = onClose
  }

  async #current(): Promise<WebDriver> {
    if ((await this.#driver.getWindowHandle()) !== this.#handle)
      await this.#driver.switchTo().window(this.#handle)
    return this.#driver
  }

  async goto(url: string): Promise<void> {
    await (await this.#current()).get(url)
  }

  async reload(): Promise<void> {
    await (await this.#current()).navigate().refresh()
  }

  async evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    const driver = await this.#current()
    return scriptResult<R>(
      await driver.executeAsyncScript(pageScript(fn as (arg: never) => unknown), arg ?? null),
    )
  }

  async click(selector: string): Promise<void> {
    await (await this.#element(By.css(selector))).click()
  }

  async clickButton(name: string): Promise<void> {
    const literal = name.includes("'") ? `"${name}"` : `'${name}'`
    await (await this.#element(By.xpath(`//button[normalize-space()=${literal}]`))).click()
  }

  async type(selector: string, text: string): Promise<void> {
    await (await this.#element(By.css(selector))).sendKeys(text)
  }

  /** The element once the page has rendered it and it can be used, as a user would wait for it. */
  async #element(locator: Locator): Promise<WebElement> {
    const driver = await this.#current()
    const element = await driver.wait(until.elementLocated(locator), ELEMENT_TIMEOUT_MS)
    await driver.wait(until.elementIsVisible(element), ELEMENT_TIMEOUT_MS)
    await driver.wait(until.elementIsEnabled(element), ELEMENT_TIMEOUT_MS)
    return element
  }

  async close(): Promise<void> {
    await this.#current()
    await this.#onClose()
  }
}
