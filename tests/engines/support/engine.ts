// What the suite needs of a browser, whichever protocol drives it: Firefox over WebDriver BiDi
// (firefox.ts), WebKitGTK over classic WebDriver (webkit.ts).

/** One tab (a top-level browsing context). */
export interface EngineTab {
  goto(url: string): Promise<void>
  reload(): Promise<void>
  /**
   * Runs `fn(arg)` in the page and returns its result, which must be JSON. `fn` is sent as source
   * text: it may not use anything from the test's module scope.
   */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>
  /** Clicks the first element that matches the CSS `selector`, as the user's pointer would. */
  click(selector: string): Promise<void>
  /** Clicks the button whose text is `name`. */
  clickButton(name: string): Promise<void>
  /** Types `text` at the end of the field that matches `selector`, key by key. */
  type(selector: string, text: string): Promise<void>
  close(): Promise<void>
}

export interface EngineBrowser {
  newTab(): Promise<EngineTab>
  close(): Promise<void>
}

export interface Engine {
  /** As the test names say it: "Firefox ESR", "WebKitGTK". */
  readonly name: string
  /** Why this engine cannot run on this machine (a package missing), or null when it can. */
  missing(): string | null
  launch(): Promise<EngineBrowser>
}

/** The source of a page function sent as text, called with one argument, its outcome kept apart. */
export function pageScript(fn: (arg: never) => unknown): string {
  return `const done = arguments[arguments.length - 1];
const arg = arguments[0];
Promise.resolve()
  .then(() => (${fn.toString()})(arg))
  .then(
    (value) => done({ ok: true, value: value === undefined ? null : value }),
    (error) => done({ ok: false, error: String((error && error.stack) || error) }),
  );`
}

/** The value of a pageScript run, or its error thrown here. */
export function scriptResult<R>(outcome: unknown): R {
  const result = outcome as { ok: boolean; value?: R; error?: string } | null
  if (!result || typeof result !== 'object') throw new Error(`the page answered ${String(outcome)}`)
  if (!result.ok) throw new Error(`in the page: ${result.error ?? 'unknown error'}`)
  return result.value as R
}
