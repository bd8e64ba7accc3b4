/**
 * Rows as aligned columns for a terminal, two spaces in; `numeric` columns are aligned right.
 * @example table(['version', 'note'], [['12', 'wider pro plan']], [true, false])
 */
export function table(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const format = (row: string[]) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return numeric[column] ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  return [format(header), ...rows.map(format)].map((line) => `  ${line}`).join('\n')
}
