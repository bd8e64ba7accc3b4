import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { LEASE_EVENTS } from '../services/leaseEvent.ts'
import type { LeaseEvent } from '../services/leaseEvent.ts'

/** How a request's latency is bucketed, in seconds: license checks sign, so a few ms is normal. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * The server's Prometheus metrics, in a registry of its own (one per app, so several apps in one
 * process, as in the tests, never share counts). Labels hold only bounded values: route patterns,
 * methods, statuses and error codes, never ids, keys or raw paths.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly requests: Counter<'method' | 'route' | 'status'>
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>
  readonly validations: Counter<'code'>
  readonly validationsShed: Counter
  readonly activations: Counter<'kind' | 'code'>
  readonly seatLimitRefusals: Counter
  readonly telemetryReports: Counter<'outcome'>
  readonly leases: Counter<'outcome'>

  /** `processMetrics`: also CPU, memory, event-loop lag and the like of this process. */
  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry]
    if (options.processMetrics)
      collectDefaultMetrics({ register: this.registry, prefix: 'leeway_' })
    this.requests = new Counter({
      name: 'leeway_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    })
    this.requestSeconds = new Histogram({
      name: 'leeway_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.validations = new Counter({
      name: 'leeway_validations_total',
      help: 'Checks answered by POST /api/v1/validate, by outcome: ok (a fresh grant) or the error code',
      labelNames: ['code'],
      registers,
    })
    this.validationsShed = new Counter({
      name: 'leeway_validations_shed_total',
      help: 'Checks turned away with 429 and Retry-After because too many were in progress (LEEWAY_MAX_CHECKS_IN_FLIGHT)',
      registers,
    })
    this.activations = new Counter({
      name: 'leeway_activations_total',
      help: 'Activation attempts, by kind (online, offline) and outcome: ok or the error code',
      labelNames: ['kind', 'code'],
      registers,
    })
    this.seatLimitRefusals = new Counter({
      name: 'leeway_seat_limit_refusals_total',
      help: 'Activations refused because every seat of the license was taken',
      registers,
    })
    this.telemetryReports = new Counter({
      name: 'leeway_telemetry_reports_total',
      help: 'Telemetry reports sent with validate: accepted, repeated (the device already reported today: answered accepted, not added), or ignored as invalid, unverified (no check of that product verified and checked in) or failed (not stored)',
      labelNames: ['outcome'],
      registers,
    })
    this.leases = new Counter({
      name: 'leeway_leases_total',
      help: 'Slots of floating licenses, by outcome: taken (a device without a live lease got one, by POST /api/v1/lease or an activation), renewed, borrowed, released (given back by the device), ended_by_admin, denied (all_leases_in_use: every slot was held)',
      labelNames: ['outcome'],
      registers,
    })
    // Every outcome from zero, so that a rate of denials exists before the first one.
    for (const outcome of LEASE_EVENTS) this.leases.inc({ outcome }, 0)
  }

  /** Counts what happened to a slot of a floating license. */
  lease(outcome: LeaseEvent): void {
    this.leases.inc({ outcome })
  }

  /** Counts an activation's outcome; a seat-limit refusal is also counted on its own. */
  activation(kind: 'online' | 'offline', code: string): void {
    this.activations.inc({ kind, code })
    if (code === 'seat_limit_reached') this.seatLimitRefusals.inc()
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType }
  }
}
