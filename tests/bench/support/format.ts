/** Milliseconds with as many decimals as the value needs to be read: 0.42, 3.31, 37.1, 3005. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (value < 10) return `${value.toFixed(2)} ms`
  if (value < 100) return `${value.toFixed(1)} ms`
  return `${Math.round(value).toLocaleString('en-US')} ms`
}

/** A pair of times: "3.04 / 7.82 ms". */
export function msPair(first: number, second: number): string {
  return `${ms(first).replace(' ms', '')} / ${ms(second)}`
}

/** A whole number with thousands separators. */
export function count(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
}

/** Kilobytes of 1,000 bytes, as Vite and most budgets count them. */
export function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(0)} MB`
}

export function percent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a'
  return fraction < 0.1 ? `${(fraction * 100).toFixed(2)} %` : `${(fraction * 100).toFixed(1)} %`
}

export function times(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a'
  return ratio < 10 ? `${ratio.toFixed(2)}×` : `${Math.round(ratio).toLocaleString('en-US')}×`
}
