import type { Row } from './Results.ts'

const HEADERS = ['#', 'measure', 'subject', 'baseline', 'ratio', 'budget', 'verdict'] as const

function cells(row: Row): string[] {
  const verdict = row.met === null ? '' : row.met ? 'met' : 'NOT MET'
  return [row.item, row.measure, row.subject, row.baseline, row.ratio, row.budget, verdict]
}

/** The table as aligned plain text, for the terminal. */
export function renderTextTable(rows: readonly Row[]): string {
  const body = rows.map(cells)
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...body.map((line) => (line[column] ?? '').length)),
  )
  const line = (values: readonly string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('  ')
  return [line(HEADERS), rule, ...body.map(line)].join('\n')
}

/** The table as Markdown, for docs/bench/README.md. */
export function renderMarkdownTable(rows: readonly Row[]): string {
  const escape = (value: string) => value.replace(/\|/g, '\\|')
  const verdict = (value: string) => (value === 'NOT MET' ? '**not met**' : value)
  return [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => {
      const values = cells(row).map(escape)
      values[6] = verdict(values[6] ?? '')
      return `| ${values.join(' | ')} |`
    }),
  ].join('\n')
}
