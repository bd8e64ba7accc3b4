import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// Issue #14, item 9: the installed app's title bar took the manifest's blue while the page said its
// own background; a window changed colour as the page loaded. One colour for both: the page's.

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
const manifest = JSON.parse(read('public/manifest.webmanifest')) as {
  theme_color: string
  background_color: string
}
const page = read('index.html')
const css = read('src/app/app.css')

/** The page's `theme-color` for a colour scheme, from its `<meta media=…>`. */
function pageThemeColour(scheme: 'light' | 'dark'): string | undefined {
  const meta = new RegExp(
    `<meta name="theme-color" content="(#[0-9a-f]{6})" media="\\(prefers-color-scheme: ${scheme}\\)"`,
    'i',
  )
  return meta.exec(page)?.[1]?.toLowerCase()
}

describe('the installed app and the page say one theme colour', () => {
  it('gives the manifest the colour the page gives light mode, which is also its splash background', () => {
    expect(manifest.theme_color.toLowerCase()).toBe(pageThemeColour('light'))
    expect(manifest.background_color.toLowerCase()).toBe(manifest.theme_color.toLowerCase())
  })

  it('matches the page background of each scheme, so the title bar meets the page without a seam', () => {
    const light = /:root\s*{[^}]*--bg:\s*(#[0-9a-f]{6})/i.exec(css)?.[1]?.toLowerCase()
    const dark = /:root\[data-theme='dark'\]\s*{[^}]*--bg:\s*(#[0-9a-f]{6})/i.exec(css)?.[1]
    expect(pageThemeColour('light')).toBe(light)
    expect(pageThemeColour('dark')).toBe(dark?.toLowerCase())
  })
})
