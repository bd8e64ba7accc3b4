/**
 * A y-axis for values up to `maxValue`: a round top and a round step (1, 2 or 5 times a power of
 * ten), whole numbers when `integer`.
 * @example niceScale(37) // { max: 40, step: 10 }
 */
export function niceScale(maxValue: number, integer = true): { max: number; step: number } {
  const raw = Math.max(maxValue, integer ? 1 : Number.EPSILON) / 4
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power
  const wholeStep = integer ? Math.max(1, Math.ceil(step)) : step
  return { max: Math.ceil(maxValue / wholeStep) * wholeStep || wholeStep, step: wholeStep }
}

/** The ticks of a scale, from 0 to its top. */
export function ticksOf(scale: { max: number; step: number }): number[] {
  const ticks: number[] = []
  for (let value = 0; value <= scale.max + scale.step / 1e6; value += scale.step) ticks.push(value)
  return ticks
}

/** Every `every`-th index gets a label, so labels never overlap at this width. */
export function labelEvery(band: number, labelWidth: number): number {
  return Math.max(1, Math.ceil(labelWidth / Math.max(band, 1)))
}
