/** The time the interface reads "days left" and "ago" against; it moves every 30 seconds. */
export const clock = $state({ now: Date.now() })

let timer: ReturnType<typeof setInterval> | undefined

/** Starts the clock (once); `tick` moves it now, for a state that has just changed. */
export function startClock(): void {
  timer ??= setInterval(tick, 30_000)
}

export function tick(): void {
  clock.now = Date.now()
}
