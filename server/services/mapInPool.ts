/**
 * Runs `work` on each item, at most `concurrency` at once, and answers the results in the items'
 * order. Items with the same `keyOf` run one after another in their order, as if each were alone
 * (a proof sent twice in one batch: the first use wins). Once `signal` aborts, items not yet
 * started are skipped and have no result. The first error stops new items from starting and is
 * thrown once the items already running have ended.
 */
export async function mapInPool<T, R>(
  items: readonly T[],
  options: { concurrency: number; keyOf?: (item: T) => string; signal?: AbortSignal | undefined },
  work: (item: T) => Promise<R>,
): Promise<(R | undefined)[]> {
  const results = new Array<R | undefined>(items.length)
  const lastOfKey = new Map<string, Promise<unknown>>()
  let next = 0
  let failure: { error: unknown } | undefined
  const runner = async () => {
    for (let index = next++; index < items.length && !failure; index = next++) {
      if (options.signal?.aborted) return
      const item = items[index] as T
      const key = options.keyOf?.(item)
      const before = key === undefined ? undefined : lastOfKey.get(key)
      const current = (async () => {
        await before
        return work(item)
      })()
      if (key !== undefined)
        lastOfKey.set(
          key,
          current.catch(() => undefined),
        )
      try {
        results[index] = await current
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  const runners = Math.min(options.concurrency, items.length)
  await Promise.all(Array.from({ length: runners }, runner))
  if (failure) throw failure.error
  return results
}
