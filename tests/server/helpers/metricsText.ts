/**
 * One value of a Prometheus exposition: the line `name{labels} value` whose labels include
 * `labels` (in any order); undefined when there is none.
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, val]) => [key, val]),
    )
    if (Object.entries(labels).every(([key, val]) => present[key] === val)) return Number(match[3])
  }
  return undefined
}
