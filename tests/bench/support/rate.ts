import { summarize } from './stats.ts'
import type { Summary } from './stats.ts'

export type RateSummary = Summary & { rounds: number[] }

/**
 * Runs each operation back to back (one at a time) for rounds of about `roundMs`, taking the
 * operations in turn within every round, so that drift on a shared machine (other work, a busy
 * disk) lands on all of them alike; one untimed round of each first. Operations per second.
 */
export async function compareRates<K extends string>(
  operations: Record<K, () => unknown>,
  options: { rounds?: number; roundMs?: number } = {},
): Promise<Record<K, RateSummary>> {
  const { rounds = 7, roundMs = 300 } = options
  const names = Object.keys(operations) as K[]
  const rates = new Map<K, number[]>(names.map((name) => [name, []]))
  for (let round = 0; round <= rounds; round++) {
    for (const name of names) {
      const rate = await timeRound(operations[name], roundMs)
      if (round > 0) rates.get(name)?.push(rate)
    }
  }
  return Object.fromEntries(
    names.map((name) => {
      const values = rates.get(name) ?? []
      return [name, { ...summarize(values), rounds: values }]
    }),
  ) as Record<K, RateSummary>
}

/** One operation alone, as compareRates does it. */
export async function opsPerSecond(
  operation: () => unknown,
  options: { rounds?: number; roundMs?: number } = {},
): Promise<RateSummary> {
  return (await compareRates({ operation }, options)).operation
}

async function timeRound(operation: () => unknown, roundMs: number): Promise<number> {
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < roundMs) {
    // Batches of 16 keep the clock reads out of the measured work.
    for (let i = 0; i < 16; i++) await operation()
    count += 16
    elapsed = performance.now() - start
  }
  return (count * 1000) / elapsed
}
