import { parseDuration } from '../../src/core/index.ts'
import type {
  AdminAction,
  AuditEntryView,
  CreatedLicense,
  DeviceView,
  FloatingSettings,
  LeaseHolderView,
  LicenseDetail,
  LicenseView,
  NewLicenseInput,
  Page,
  StatusAction,
} from '../../src/core/index.ts'
import type { DeviceRow, LicenseRow, Store } from '../storage/Store.ts'
import { auditEntry, SETUP_ACTOR } from './audit.ts'
import type { AdminActor } from './audit.ts'
import { newLicenseId } from './ids.ts'
import { generateLicenseKey, hashLicenseKey, normalizeLicenseKey } from './licenseKeys.ts'
import type { ManifestService } from './ManifestService.ts'
import { Refusal } from './Refusal.ts'
import { standingOf } from './standing.ts'

const STATUS_FOR_ACTION: Record<StatusAction, LicenseRow['status']> = {
  revoke: 'revoked',
  suspend: 'suspended',
  reinstate: 'active',
}

/** The vendor's operations on licenses and devices; each takes effect at a device's next check. */
export class AdminService {
  readonly #store: Store
  readonly #manifests: ManifestService
  readonly #keyHashSecret: string
  readonly #now: () => number

  constructor(store: Store, manifests: ManifestService, keyHashSecret: string, now: () => number) {
    this.#store = store
    this.#manifests = manifests
    this.#keyHashSecret = keyHashSecret
    this.#now = now
  }

  /** Creates a license; the returned `key` is shown only here and stored only as a keyed hash. */
  async createLicense(
    input: NewLicenseInput,
    actor: AdminActor = SETUP_ACTOR,
  ): Promise<CreatedLicense> {
    const { product } = await this.#manifests.product(input.product).catch(() => {
      throw new Refusal('bad_request', `product: "${input.product}" is not in the manifest`)
    })
    if (!Object.hasOwn(product.plans, input.plan)) {
      throw new Refusal('bad_request', `plan: "${input.plan}" is not a plan of ${input.product}`)
    }
    // A zero recheck would sign grants that no device accepts (`pol.recheck` must be at least 1 s).
    if (typeof input.recheckEvery === 'string' && parseDuration(input.recheckEvery) === 0) {
      throw new Refusal('bad_request', 'recheckEvery: must be longer than zero (or null for never)')
    }
    // Not given: as the plan says (a plan sold to teams floats); null: node-locked whatever the plan.
    const planFloating = product.plans[input.plan]?.floating ?? null
    const floating = checkFloating(
      input.floating === undefined ? planFloating : input.floating,
      input.recheckEvery,
    )
    const now = this.#now()
    const key = generateLicenseKey()
    const normalized = normalizeLicenseKey(key)
    if (!normalized) throw new Error('generated license key does not normalise')
    const row: LicenseRow = {
      id: newLicenseId(now),
      key_hash: hashLicenseKey(normalized, this.#keyHashSecret),
      product: input.product,
      plan: input.plan,
      seats: input.seats,
      status: 'active',
      status_reason: null,
      status_changed_at: null,
      term_end: input.termEnd ?? null,
      recheck_every: input.recheckEvery === null ? 'never' : (input.recheckEvery ?? null),
      grace: input.grace ?? null,
      note: input.note ?? null,
      created_at: now,
      updated_at: now,
      max_concurrent: floating?.maxConcurrent ?? null,
      lease_length: floating?.leaseLength ?? null,
      max_borrow: floating?.maxBorrow ?? null,
    }
    const { product: p, plan, seats, termEnd, recheckEvery, grace, note } = input
    // A floating license is created like any other; its entry says so with the settings it got.
    const details = floating
      ? { product: p, plan, seats, termEnd, recheckEvery, grace, note, floating }
      : { product: p, plan, seats, termEnd, recheckEvery, grace, note }
    await this.#store.insertLicense(row, auditEntry(actor, 'license.create', row.id, details, now))
    return { ...toLicenseView(row, now), key }
  }

  /**
   * Licenses newest first, `limit` at a time, before the cursor `before`; with `search`, only
   * those whose id, product, plan or note holds every word (or whose standing a word names).
   */
  async listLicenses(
    before: string | undefined,
    limit: number,
    search: readonly string[] = [],
  ): Promise<Page<LicenseView>> {
    // One instant for the whole page: no two rows judged at different times.
    const now = this.#now()
    const rows = await this.#store.listLicenses({
      before,
      limit: limit + 1,
      search: search.length > 0 ? { words: search, now } : undefined,
    })
    const page = rows.slice(0, limit)
    return {
      items: page.map((row) => toLicenseView(row, now)),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    }
  }

  async showLicense(id: string): Promise<LicenseDetail> {
    const license = await this.#mustFind(id)
    const devices = (await this.#store.listDevices(id)).map(toDeviceView)
    return {
      ...toLicenseView(license, this.#now()),
      seatsUsed: devices.filter((device) => device.state === 'active').length,
      devices,
    }
  }

  async listDevices(id: string): Promise<DeviceView[]> {
    await this.#mustFind(id)
    return (await this.#store.listDevices(id)).map(toDeviceView)
  }

  async setStatus(
    id: string,
    action: StatusAction,
    reason: string | undefined,
    actor: AdminActor = SETUP_ACTOR,
  ): Promise<LicenseView> {
    const before = await this.#mustFind(id)
    const now = this.#now()
    const status = STATUS_FOR_ACTION[action]
    const updated = await this.#store.updateLicense(
      id,
      { status, status_reason: reason ?? null, status_changed_at: now, updated_at: now },
      auditEntry(
        actor,
        `license.${action}`,
        id,
        { from: before.status, to: status, reason: reason ?? null },
        now,
      ),
    )
    if (!updated) throw new Refusal('not_found', `no license ${id}`)
    return toLicenseView(updated, this.#now())
  }

  async renew(id: string, termEnd: number, actor: AdminActor = SETUP_ACTOR): Promise<LicenseView> {
    const before = await this.#mustFind(id)
    const now = this.#now()
    const updated = await this.#store.updateLicense(
      id,
      { term_end: termEnd, updated_at: now },
      auditEntry(
        actor,
        'license.renew',
        id,
        { from: before.term_end === null ? null : Number(before.term_end), to: termEnd },
        now,
      ),
    )
    if (!updated) throw new Refusal('not_found', `no license ${id}`)
    return toLicenseView(updated, this.#now())
  }

  /** Frees a device's seat; the device gets a signed revocation at its next check. */
  async removeDevice(
    id: string,
    deviceId: string,
    actor: AdminActor = SETUP_ACTOR,
  ): Promise<DeviceView> {
    await this.#mustFind(id)
    const device = await this.#store.findDevice(id, deviceId)
    if (!device) throw new Refusal('not_found', `license ${id} has no device ${deviceId}`)
    const now = this.#now()
    const removed = await this.#store.releaseDevice(
      id,
      deviceId,
      'removed',
      now,
      auditEntry(
        actor,
        'device.remove',
        `${id}/${deviceId}`,
        { name: device.name, from: device.state },
        now,
      ),
    )
    if (!removed) throw new Refusal('not_found', `license ${id} has no device ${deviceId}`)
    return toDeviceView(removed)
  }

  /** Who holds a slot of a floating license now, and until when; the soonest to end first. */
  async listLeases(id: string): Promise<LeaseHolderView[]> {
    await this.#mustFind(id)
    return (await this.#store.listLiveLeases(id, this.#now())).map((row) => ({
      deviceId: row.device_id,
      deviceName: row.name,
      platform: row.platform,
      kind: row.kind,
      startedAt: row.started_at,
      endsAt: row.ends_at,
    }))
  }

  /**
   * Ends a device's lease or borrow now: its slot is free at once. The device learns it at its
   * next call; the grant it holds works offline until its `exp`, which is why leases are short.
   */
  async endLease(
    id: string,
    deviceId: string,
    actor: AdminActor = SETUP_ACTOR,
  ): Promise<{ deviceId: string; endedAt: number }> {
    const license = await this.#mustFind(id)
    if (license.max_concurrent === null)
      throw new Refusal('conflict', `license ${id} is not floating`, { reason: 'not_floating' })
    const now = this.#now()
    const lease = await this.#store.findLease(id, deviceId)
    if (!lease || lease.ends_at <= now)
      throw new Refusal('not_found', `license ${id} has no live lease for device ${deviceId}`)
    const ended = await this.#store.endLease(
      id,
      deviceId,
      now,
      auditEntry(
        actor,
        'lease.end',
        `${id}/${deviceId}`,
        { kind: lease.kind, startedAt: Number(lease.started_at), endsAt: Number(lease.ends_at) },
        now,
      ),
    )
    if (!ended) throw new Refusal('not_found', `license ${id} has no device ${deviceId}`)
    return { deviceId, endedAt: now }
  }

  /** Audit entries newest first, `limit` at a time, before the cursor `before`. */
  async listAudit(before: string | undefined, limit: number): Promise<Page<AuditEntryView>> {
    const rows = await this.#store.listAudit({ before, limit: limit + 1 })
    const page = rows.slice(0, limit)
    return {
      items: page.map((row) => ({
        id: row.id,
        at: Number(row.at),
        actor: row.actor,
        via: row.via === 'cli' ? 'cli' : 'api',
        address: row.address,
        action: row.action as AdminAction,
        target: row.target,
        details: JSON.parse(row.details) as Record<string, unknown>,
      })),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    }
  }

  async #mustFind(id: string): Promise<LicenseRow> {
    const license = await this.#store.findLicense(id)
    if (!license) throw new Refusal('not_found', `no license ${id}`)
    return license
  }
}

function toLicenseView(row: LicenseRow, now: number): LicenseView {
  return {
    id: row.id,
    product: row.product,
    plan: row.plan,
    seats: row.seats,
    status: row.status,
    standing: standingOf(row, now),
    statusReason: row.status_reason,
    termEnd: row.term_end,
    recheckEvery: row.recheck_every,
    grace: row.grace,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    floating:
      row.max_concurrent === null
        ? null
        : {
            maxConcurrent: row.max_concurrent,
            leaseLength: row.lease_length ?? '',
            maxBorrow: row.max_borrow,
          },
  }
}

/**
 * A floating license's settings, checked beyond their shape: durations longer than zero (a zero
 * lease would sign grants that end as they are made), and no air-gapped floating license (a
 * device that never checks in could never renew or give back a lease).
 */
function checkFloating(
  floating: FloatingSettings | null,
  recheckEvery: string | null | undefined,
): FloatingSettings | null {
  if (floating === null) return null
  if (recheckEvery === null)
    throw new Refusal(
      'bad_request',
      'floating: an air-gapped license (recheckEvery null) cannot float',
    )
  if (parseDuration(floating.leaseLength) === 0)
    throw new Refusal('bad_request', 'floating.leaseLength: must be longer than zero')
  if (typeof floating.maxBorrow === 'string' && parseDuration(floating.maxBorrow) === 0)
    throw new Refusal(
      'bad_request',
      'floating.maxBorrow: must be longer than zero (or null for none)',
    )
  return floating
}

function toDeviceView(row: DeviceRow): DeviceView {
  return {
    id: row.device_id,
    name: row.name,
    platform: row.platform,
    state: row.state,
    activatedAt: row.activated_at,
    lastSeenAt: row.last_seen_at,
    releasedAt: row.released_at,
  }
}
