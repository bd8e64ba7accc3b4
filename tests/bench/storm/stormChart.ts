/** One line of the chart: requests in flight over time. */
export interface ChartSeries {
  name: string
  color: string
  points: readonly { atMs: number; count: number }[]
}

const WIDTH = 760
const HEIGHT = 380
const MARGIN = { top: 48, right: 24, bottom: 52, left: 72 }

/**
 * Requests in flight over time, one line per storm, as a standalone SVG (no chart library): the
 * axes, a few round ticks, the lines and a legend.
 */
export function stormChart(title: string, series: readonly ChartSeries[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const maxMs = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.atMs)))
  const maxCount = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.count)))
  const xTicks = ticks(maxMs / 1000)
  const yTicks = ticks(maxCount)
  const xMax = (xTicks.at(-1) ?? 1) * 1000
  const yMax = yTicks.at(-1) ?? 1
  const x = (ms: number) => MARGIN.left + (ms / xMax) * plotWidth
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight
  const text = (tx: number, ty: number, content: string, attributes = '') =>
    `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`

  const grid = [
    ...xTicks.map(
      (tick) =>
        `<line x1="${x(tick * 1000).toFixed(1)}" y1="${MARGIN.top}" x2="${x(tick * 1000).toFixed(1)}" y2="${MARGIN.top + plotHeight}" class="grid"/>` +
        text(x(tick * 1000), MARGIN.top + plotHeight + 18, `${tick}`, 'text-anchor="middle"'),
    ),
    ...yTicks.map(
      (tick) =>
        `<line x1="${MARGIN.left}" y1="${y(tick).toFixed(1)}" x2="${MARGIN.left + plotWidth}" y2="${y(tick).toFixed(1)}" class="grid"/>` +
        text(MARGIN.left - 8, y(tick) + 4, tick.toLocaleString('en-US'), 'text-anchor="end"'),
    ),
  ]
  const lines = series.map((s) => {
    const path = s.points.map((p) => `${x(p.atMs).toFixed(1)},${y(p.count).toFixed(1)}`).join(' ')
    return `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="1.6" stroke-linejoin="round"/>`
  })
  const legend = series.map((s, index) => {
    const ly = MARGIN.top + 14 + index * 18
    const lx = MARGIN.left + plotWidth - 250
    return (
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>` +
      text(lx + 30, ly, s.name)
    )
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">
<style>.grid{stroke:#e3e3e3;stroke-width:1}text{fill:#333}</style>
<rect width="100%" height="100%" fill="#fff"/>
${text(MARGIN.left, 24, title, 'font-size="15" font-weight="600"')}
${grid.join('\n')}
<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>
<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>
${text(MARGIN.left + plotWidth / 2, HEIGHT - 12, 'seconds after the server is back', 'text-anchor="middle"')}
${text(18, MARGIN.top + plotHeight / 2, 'requests in flight', `text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotHeight / 2})"`)}
${lines.join('\n')}
${legend.join('\n')}
</svg>
`
}

/** Round tick values from 0 past `max`: steps of 1, 2 or 5 times a power of ten, about 6 of them. */
function ticks(max: number): number[] {
  const rough = max / 6
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1e-9)))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? power * 10
  const values: number[] = []
  for (let value = 0; value < max + step; value += step) values.push(Math.round(value * 1e6) / 1e6)
  return values
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
