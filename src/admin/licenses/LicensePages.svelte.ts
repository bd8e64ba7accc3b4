import type { AdminApi } from '../api/AdminApi.ts'
import type { LicenseView } from '../../core/index.ts'
import { standingLabel } from '../lib/format.ts'

/**
 * The license list as loaded so far, page by page through the API's cursor. Search filters what
 * is loaded; more pages load on demand. Kept outside the views so going to a license and back
 * keeps the place.
 */
export class LicensePages {
  pages = $state<LicenseView[][]>([])
  nextCursor = $state<string | null>(null)
  loading = $state(false)
  error = $state<string | null>(null)
  /** The search and the page shown, kept while the vendor looks at a license and comes back. */
  query = $state('')
  page = $state(0)
  readonly pageSize: number
  readonly #api: AdminApi

  constructor(api: AdminApi, pageSize = 20) {
    this.#api = api
    this.pageSize = pageSize
  }

  /** Every license loaded so far, in the API's order (oldest first). */
  get all(): LicenseView[] {
    return this.pages.flat()
  }

  get started(): boolean {
    return this.pages.length > 0
  }

  /** Whether the server has more licenses than are loaded. */
  get hasMore(): boolean {
    return this.nextCursor !== null
  }

  /** Loads the first page again, forgetting the rest. */
  async reload(): Promise<void> {
    this.page = 0
    this.pages = []
    this.nextCursor = null
    await this.#load(null)
  }

  /** Loads the next page from the server; does nothing when all are loaded. */
  async loadNext(): Promise<void> {
    if (!this.started) return this.reload()
    if (this.nextCursor === null || this.loading) return
    await this.#load(this.nextCursor)
  }

  /** Replaces a license in the loaded pages after an action changed it. */
  update(license: LicenseView): void {
    this.pages = this.pages.map((page) =>
      page.map((item) => (item.id === license.id ? { ...item, ...license } : item)),
    )
  }

  async #load(cursor: string | null): Promise<void> {
    this.loading = true
    this.error = null
    try {
      const page = await this.#api.listLicenses(cursor, this.pageSize)
      this.pages = [...this.pages, page.items]
      this.nextCursor = page.nextCursor
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error)
    } finally {
      this.loading = false
    }
  }
}

/** Whether a license matches a search: every word must appear in its id, plan, product, standing or note. */
export function matchesSearch(license: LicenseView, query: string): boolean {
  const haystack = [
    license.id,
    license.plan,
    license.product,
    standingLabel(license),
    license.note ?? '',
  ]
    .join(' ')
    .toLowerCase()
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word))
}
