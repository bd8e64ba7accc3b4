import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { launch } from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { CHROMIUM } from '../e2e/support/chromium.ts'

// Lighthouse (mobile: its default emulation and simulated throttling) on the built app as
// `npm start` serves it: a first visit, no license yet. Run: npm run lighthouse. A measurement,
// not a test: the scores are printed beside the targets of issue 14, never asserted in CI.

const PORT = Number(process.env.LIGHTHOUSE_PORT ?? 8806)
const DATA = resolve(`.tmp/lighthouse-data-${PORT}`)
const TARGETS = { performance: 0.95, accessibility: 1, 'best-practices': 1 } as const

rmSync(DATA, { recursive: true, force: true })
const server = spawn(process.execPath, ['--import', 'tsx', 'tests/e2e/serve.ts'], {
  env: { ...process.env, PORT: String(PORT), LEEWAY_DATA: DATA, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
})
const url = `http://127.0.0.1:${PORT}/`
try {
  await until(async () => (await fetch(`${url}healthz`)).ok)
  const chrome = await launch({
    chromePath: CHROMIUM.executablePath,
    chromeFlags: ['--headless=new', ...(CHROMIUM.args ?? [])],
  })
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      onlyCategories: Object.keys(TARGETS),
      logLevel: 'error',
    })
    if (!result) throw new Error('Lighthouse gave no result')
    const { categories, audits } = result.lhr
    let met = true
    for (const [id, target] of Object.entries(TARGETS)) {
      const score = categories[id]?.score ?? 0
      met &&= score >= target
      console.log(`${id.padEnd(15)} ${Math.round(score * 100)} (target ${target * 100})`)
    }
    const cls = audits['cumulative-layout-shift']?.numericValue ?? NaN
    met &&= cls < 0.05
    console.log(`CLS             ${cls.toFixed(3)} (target < 0.05)`)
    for (const id of ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time'])
      console.log(`${id.padEnd(26)} ${audits[id]?.displayValue ?? '?'}`)
    // Where the layout shifted, so a regression names its element.
    const shifts = audits['layout-shifts']?.details
    if (shifts && 'items' in shifts)
      for (const item of shifts.items.slice(0, 5) as {
        node?: { selector?: string }
        score?: number
      }[])
        console.log(`  shift ${(item.score ?? 0).toFixed(3)}: ${item.node?.selector ?? '?'}`)
    for (const audit of Object.values(audits))
      if (audit.score !== null && audit.score < 1 && audit.scoreDisplayMode === 'binary')
        console.log(`  failing: ${audit.id}: ${audit.title}`)
    process.exitCode = met ? 0 : 1
  } finally {
    await chrome.kill()
  }
} finally {
  server.kill('SIGTERM')
}

async function until(ready: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await ready().catch(() => false)) return
    if (Date.now() > deadline) throw new Error('the server did not start')
    await new Promise((done) => setTimeout(done, 250))
  }
}
