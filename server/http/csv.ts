/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces, its
 * quotes doubled. Text that a spreadsheet would run as a formula (starting with = + - @, or a tab
 * or carriage return before one) gets a leading apostrophe: a customer's note such as
 * `=HYPERLINK(…)` must open as text in the vendor's Excel, not as a link or a command.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV record, ended by CRLF as RFC 4180 says. */
export function csvRow(values: readonly (string | number | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`
}
