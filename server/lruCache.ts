/**
 * A bounded map that keeps the most recently used entries: a Map iterates in insertion order, so
 * an entry used again moves to the end and the first one is the least recently used.
 */
export class LruCache<K, V> {
  readonly #limit: number
  readonly #entries = new Map<K, V>()

  constructor(limit: number) {
    this.#limit = limit
  }

  /** The value for `key`, made by `make` (and kept) if there is none; a throw keeps nothing. */
  getOrCreate(key: K, make: (key: K) => V): V {
    const cached = this.#entries.get(key)
    if (cached !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, cached)
      return cached
    }
    const value = make(key)
    this.#entries.set(key, value)
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    return value
  }

  clear(): void {
    this.#entries.clear()
  }
}
