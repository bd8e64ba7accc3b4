import { describe, expect, it } from 'vitest'
import { mapInPool } from '../../server/services/mapInPool.ts'

/** A promise and the function that settles it, to hold work open until a test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('mapInPool', () => {
  it('answers results in the order of the items, whatever order the work ends in', async () => {
    const delays = [30, 5, 20, 0, 10]
    const results = await mapInPool(delays, { concurrency: 3 }, async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms))
      return ms * 2
    })
    expect(results).toEqual([60, 10, 40, 0, 20])
  })

  it('never runs more than `concurrency` items at once', async () => {
    let running = 0
    let most = 0
    await mapInPool(
      Array.from({ length: 20 }, (_, i) => i),
      { concurrency: 4 },
      async () => {
        running++
        most = Math.max(most, running)
        await tick()
        running--
      },
    )
    expect(most).toBe(4)
  })

  it('runs items of the same key one after another, in order, while others go ahead', async () => {
    const first = gate()
    const order: string[] = []
    const pending = mapInPool(
      ['a1', 'b1', 'a2'],
      { concurrency: 3, keyOf: (item) => item[0] as string },
      async (item) => {
        order.push(`start ${item}`)
        if (item === 'a1') await first.opened
        order.push(`end ${item}`)
        return item
      },
    )
    await tick()
    // b1 has run its course; a2 waits for a1 although a runner is free.
    expect(order).toEqual(['start a1', 'start b1', 'end b1'])
    first.open()
    expect(await pending).toEqual(['a1', 'b1', 'a2'])
    expect(order.slice(3)).toEqual(['end a1', 'start a2', 'end a2'])
  })

  it('starts nothing more once the signal aborts, and leaves those items without a result', async () => {
    const controller = new AbortController()
    const started: number[] = []
    const results = await mapInPool(
      [0, 1, 2, 3],
      { concurrency: 1, signal: controller.signal },
      async (item) => {
        started.push(item)
        if (item === 1) controller.abort()
        return item
      },
    )
    expect(started).toEqual([0, 1])
    expect(results).toEqual([0, 1, undefined, undefined])
  })

  it('throws the first error once the running items end, and starts no new ones', async () => {
    const started: number[] = []
    const outcome = mapInPool([0, 1, 2, 3, 4], { concurrency: 2 }, async (item) => {
      started.push(item)
      await tick()
      if (item === 1) throw new Error('broken')
      return item
    })
    await expect(outcome).rejects.toThrow('broken')
    expect(started).toEqual([0, 1, 2])
  })
})
