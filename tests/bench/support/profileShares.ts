import { Session } from 'node:inspector/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/**
 * Where this process's main thread spends its time while `work` runs, by category (the V8 CPU
 * profiler's self time). Native calls count for the JavaScript frame that made them: a
 * better-sqlite3 statement (and its fsync) shows under the Kysely driver that runs it.
 */
export async function profileShares(
  work: () => Promise<void>,
  categorize: (url: string, functionName: string) => string,
): Promise<Record<string, number>> {
  const session = new Session()
  session.connect()
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
    await session.post('Profiler.start')
    await work()
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile }
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
    const totals = new Map<string, number>()
    let all = 0
    for (const [index, id] of profile.samples.entries()) {
      const delta = profile.timeDeltas[index] ?? 0
      const frame = nodes.get(id)?.callFrame
      const category = frame ? categorize(frame.url, frame.functionName) : 'other'
      totals.set(category, (totals.get(category) ?? 0) + delta)
      all += delta
    }
    return Object.fromEntries(
      [...totals].sort((a, b) => b[1] - a[1]).map(([category, time]) => [category, time / all]),
    )
  } finally {
    session.disconnect()
  }
}
