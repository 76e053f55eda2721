/**
 * The outbox port: events waiting to be delivered, kept in the result store so an event is
 * written in the same step as its record and is never lost when a sink is down. One entry per
 * (event, sink): a webhook outage does not make EventBridge receive an event twice.
 *
 * ```
 * append ──> pending ──claimDue──> (send) ──ok──> delivered
 *               ^                     │
 *               │                     ├─transient, attempts < max──> pending (due after backoff)
 *             retry                   └─permanent, or attempts = max──> failed (dead letter)
 *               └──────────────────────────────────────────────────────────┘
 * ```
 *
 * `claimDue` leases what it returns (moves its due time `leaseMs` ahead), so two drainers (the
 * job's own and a scheduled sweep) rarely send the same entry twice; a drainer that crashed loses
 * its lease and the entry is sent again. Delivery is at least once: receivers de-duplicate on the
 * event id, which every attempt carries as `webhook-id`.
 */
import type { CallOptions } from '../ports.js';
import type { RecordEvent } from './record-event.js';

export type OutboxState = 'pending' | 'delivered' | 'failed';

export interface OutboxEntry {
  eventId: string;
  sink: string;
  event: RecordEvent;
  state: OutboxState;
  /** Delivery attempts made so far (each a sender call with its own bounded retries). */
  attempts: number;
  /** When a pending entry is next due (ISO 8601); for a failed one, when it failed. */
  dueAt: string;
  lastError: string | null;
  appendedAt: string;
  deliveredAt: string | null;
}

export interface ClaimOptions extends CallOptions {
  now: Date;
  /** How long the claimed entries are held for this drainer. */
  leaseMs: number;
  limit: number;
  /** Claim only these events for these sinks (what a job just appended), read consistently. */
  only?: { eventIds: readonly string[]; sinks: readonly string[] };
}

export interface Outbox {
  readonly name: string;
  /** Adds the event once per sink; appending an event that is already there changes nothing. */
  append(event: RecordEvent, sinks: readonly string[], options?: CallOptions & { now?: Date }): Promise<void>;
  /** Pending entries due at `now`, oldest first, leased to the caller. */
  claimDue(options: ClaimOptions): Promise<OutboxEntry[]>;
  markDelivered(eventId: string, sink: string, at: Date, options?: CallOptions): Promise<void>;
  /** Records a failed attempt: due again at `retryAt`, or dead-lettered when `retryAt` is null. */
  markAttemptFailed(
    eventId: string,
    sink: string,
    failure: { error: string; at: Date; retryAt: Date | null },
    options?: CallOptions,
  ): Promise<void>;
  /** Dead-lettered entries, newest first. */
  listFailed(options?: { limit?: number } & CallOptions): Promise<OutboxEntry[]>;
  /** Entries in any state (for `ddx events list`), newest first. */
  list(options?: { limit?: number; state?: OutboxState } & CallOptions): Promise<OutboxEntry[]>;
  /** Makes dead-lettered entries pending again with their attempts reset; all of them without a filter. */
  retryFailed(filter?: { eventId?: string; sink?: string } & CallOptions & { now?: Date }): Promise<number>;
  close?(): Promise<void>;
}
