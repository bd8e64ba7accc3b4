import { ManifestInvalid, parseManifest } from '../../src/core/index.ts'
import type {
  ImpactReport,
  Manifest,
  ManifestHistoryItem,
  ManifestVersionView,
  ProductManifest,
} from '../../src/core/index.ts'
import { Refusal } from './Refusal.ts'
import type { Store } from '../storage/Store.ts'
import { manifestImpact } from './manifestImpact.ts'
import { auditEntry, SETUP_ACTOR } from './audit.ts'
import type { AdminActor } from './audit.ts'

/** A version as the admin API shows it, with its manifest parsed. */
export type ManifestVersion = ManifestVersionView<Manifest>

/** The author recorded on a version made by `rollback`. */
export const ROLLBACK_AUTHOR = 'rollback'

// Other instances may publish a new version; re-reading at most this often keeps reads cheap.
const CACHE_MS = 2_000

/** The living policy: the current manifest version, read through a short cache. */
export class ManifestService {
  readonly #store: Store
  readonly #now: () => number
  #cached: { at: number; value: ManifestVersion } | undefined

  constructor(store: Store, now: () => number) {
    this.#store = store
    this.#now = now
  }

  async current(): Promise<ManifestVersion> {
    const now = this.#now()
    if (this.#cached && now - this.#cached.at < CACHE_MS) return this.#cached.value
    const row = await this.#store.currentManifest()
    if (!row) throw new Refusal('internal', 'no manifest: run `leeway init`')
    const value: ManifestVersion = {
      version: row.version,
      manifest: parseManifest(JSON.parse(row.body)),
      author: row.author,
      note: row.note,
      createdAt: row.created_at,
    }
    this.#cached = { at: now, value }
    return value
  }

  /** The product's policy and the version it belongs to; `conflict` if the manifest no longer has it. */
  async product(productId: string): Promise<{ version: number; product: ProductManifest }> {
    const { version, manifest } = await this.current()
    const product = Object.hasOwn(manifest.products, productId)
      ? manifest.products[productId]
      : undefined
    if (!product)
      throw new Refusal('conflict', `product ${productId} is not in the current manifest`)
    return { version, product }
  }

  /**
   * Validates a candidate manifest: its schema, and that it keeps every product that still has
   * licenses (dropping one would leave every device of it unable to re-check).
   */
  async check(input: unknown): Promise<Manifest> {
    const manifest = refusedIfInvalid(input, 'bad_request')
    const current = await this.#store.currentManifest()
    const previous = current ? (JSON.parse(current.body) as Manifest) : { products: {} }
    for (const product of Object.keys(previous.products)) {
      if (
        !Object.hasOwn(manifest.products, product) &&
        (await this.#store.hasLicensesFor(product))
      ) {
        throw new Refusal(
          'conflict',
          `products.${product}: still has licenses; it cannot be removed`,
        )
      }
    }
    return manifest
  }

  /**
   * Validates a candidate and reports what publishing it would do to the devices in good standing
   * (see `manifestImpact`); stores nothing.
   */
  async dryRun(input: unknown): Promise<{ manifest: Manifest; impact: ImpactReport }> {
    const manifest = await this.check(input)
    this.#cached = undefined
    const current = await this.current()
    return { manifest, impact: await manifestImpact(this.#store, current, manifest, this.#now()) }
  }

  /** Versions newest first, `limit` at a time; `nextCursor` is the version to continue before. */
  async history(
    before: number | undefined,
    limit: number,
  ): Promise<{ items: ManifestHistoryItem[]; nextCursor: string | null }> {
    const rows = await this.#store.listManifests({ before, limit: limit + 1 })
    const page = rows.slice(0, limit).map((row) => ({
      version: row.version,
      author: row.author,
      note: row.note,
      createdAt: row.created_at,
    }))
    const last = page.at(-1)
    return { items: page, nextCursor: rows.length > limit && last ? String(last.version) : null }
  }

  /**
   * Publishes the body of an earlier version as a new version (author `rollback`), checked like
   * any other: a version that lacks a product which has licenses now is refused with `conflict`.
   */
  async rollback(
    version: number,
    note: string | undefined,
    actor: AdminActor = SETUP_ACTOR,
  ): Promise<ManifestVersion> {
    const row = await this.#store.findManifest(version)
    if (!row) throw new Refusal('not_found', `no manifest version ${version}`)
    // Stored before a stricter schema, it cannot be published again as it is.
    const manifest = refusedIfInvalid(
      JSON.parse(row.body),
      'conflict',
      `version ${version} is no longer valid: `,
    )
    return this.#append(
      manifest,
      ROLLBACK_AUTHOR,
      note ?? `rollback to version ${version}`,
      actor,
      'manifest.rollback',
      { to: version },
    )
  }

  /** Validates and stores a new version; it takes effect at each device's next check. */
  async publish(
    input: unknown,
    author: string,
    note: string,
    actor: AdminActor = { ...SETUP_ACTOR, name: author },
  ): Promise<ManifestVersion> {
    return this.#append(input, author, note, actor, 'manifest.publish', {})
  }

  async #append(
    input: unknown,
    author: string,
    note: string,
    actor: AdminActor,
    action: 'manifest.publish' | 'manifest.rollback',
    details: Record<string, unknown>,
  ): Promise<ManifestVersion> {
    const manifest = await this.check(input)
    const now = this.#now()
    // The version number is filled in by the store, in the transaction that takes it.
    const row = await this.#store.appendManifest(
      { body: JSON.stringify(manifest), author, note, created_at: now },
      auditEntry(actor, action, '', { ...details, author, note }, now),
    )
    this.#cached = undefined
    return { version: row.version, manifest, author, note, createdAt: row.created_at }
  }
}

/** The manifest in `input`, or a refusal with `code` that says what is wrong with it. */
function refusedIfInvalid(input: unknown, code: 'bad_request' | 'conflict', prefix = ''): Manifest {
  try {
    return parseManifest(input)
  } catch (error) {
    if (error instanceof ManifestInvalid) throw new Refusal(code, `${prefix}${error.message}`)
    throw error
  }
}
