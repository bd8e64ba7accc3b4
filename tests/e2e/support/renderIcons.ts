import { writeFileSync } from 'node:fs'
import { chromium } from '@playwright/test'

// Renders the app icons (public/icons/*.png) from public/icons/icon.svg in Chromium, so the PNGs
// are reproducible: `node --import tsx tests/e2e/support/renderIcons.ts`.
const svg = (await import('node:fs')).readFileSync('public/icons/icon.svg', 'utf8')
// Maskable icons are cropped to a circle of 80 % by some launchers: full-bleed background, and the
// glyph scaled into the safe zone.
const maskable = svg
  .replace('rx="112" ', '')
  .replace(/<path/, '<g transform="translate(64 64) scale(0.75)"><path')
  .replace('</svg>', '</g></svg>')

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
})
const page = await browser.newPage()
for (const [name, source, size] of [
  ['icon-192.png', svg, 192],
  ['icon-512.png', svg, 512],
  ['maskable-512.png', maskable, 512],
  ['apple-touch-icon.png', maskable, 180],
] as const) {
  await page.setViewportSize({ width: size, height: size })
  await page.setContent(
    `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${source}`,
  )
  writeFileSync(
    `public/icons/${name}`,
    await page.locator('svg').screenshot({ omitBackground: true }),
  )
}
await browser.close()
