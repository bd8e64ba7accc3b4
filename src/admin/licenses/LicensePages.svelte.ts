import type { AdminApi } from '../api/AdminApi.ts'
import type { LicenseView } from '../../core/index.ts'

/**
 * The license list as loaded so far, newest first, page by page through the API's cursor. The
 * server searches (`query`), so the pages hold matches only and more of them load on demand. Kept
 * outside the views so going to a license and back keeps the place.
 */
export class LicensePages {
  pages = $state<LicenseView[][]>([])
  nextCursor = $state<string | null>(null)
  loading = $state(false)
  error = $state<string | null>(null)
  /** The search typed, and the one the loaded pages answer (they differ while a search loads). */
  query = $state('')
  searched = $state('')
  page = $state(0)
  readonly pageSize: number
  readonly #api: AdminApi

  constructor(api: AdminApi, pageSize = 20) {
    this.#api = api
    this.pageSize = pageSize
  }

  /** Every license loaded so far, in the API's order (newest first). */
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
    this.searched = this.query.trim()
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
      const search = this.searched
      const page = await this.#api.listLicenses(cursor, this.pageSize, search)
      // A newer search started while this page loaded: its answer replaces this one.
      if (search !== this.searched) return
      this.pages = [...this.pages, page.items]
      this.nextCursor = page.nextCursor
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error)
    } finally {
      this.loading = false
    }
  }
}
