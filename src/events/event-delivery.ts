/**
 * Record events from the store step to the sinks. The pipeline and the review ask which events a
 * record's write carries (`pendingFor`), the result store writes them with the record, and the
 * delivery sends them at once in the background (`deliverSoon`), bounded, so no answer waits for
 * a slow sink; whatever that misses, the sweep sends later (`sweep`: the Lambda's schedule,
 * `ddx events drain`, the server's timer). `settled` waits for the deliveries in flight: the CLI
 * before it exits, the Lambda before it returns, the server when it stops.
 *
 * @example
 * const delivery = createEventDelivery({ outbox, senders: [webhook], events: { source, links }, logger });
 * const events = delivery.pendingFor(record, RecordEventType.completed);
 * const outcome = await resultStore.save(record, { events });
 * if (outcome.written) delivery.deliverSoon(events);
 * await delivery.settled();
 */

import type { ReportableRecord } from '../outputs/reportable-record.js';
import type { EventSender, Logger, Outbox, PendingEvent } from '../ports.js';
import { type DrainOutcome, defaultDrainSettings, drainOutbox } from './drain-outbox.js';
import { type RecordEventSettings, RecordEventType, recordEvent } from './record-event.js';

export interface DeliveryPolicy {
  /** Delivery attempts (each with the sender's own quick retries) before an entry is dead-lettered. */
  maxAttempts: number;
  /** Wait before attempt n+1: `retryDelayMs * 2^(n-1)`, at most 6 hours. */
  retryDelayMs: number;
  /** How long one delivery after a job may take; what it leaves is sent by the sweep. */
  timeoutMs: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = {
  maxAttempts: defaultDrainSettings.maxAttempts,
  retryDelayMs: defaultDrainSettings.baseDelayMs,
  timeoutMs: 15_000,
};

/** Entries staged longer than this without their record's confirmation are settled by the sweep. */
export const recoverGraceMs = 5 * 60_000;

export interface EventDeliverySettings {
  outbox: Outbox;
  senders: readonly EventSender[];
  events: RecordEventSettings;
  policy?: DeliveryPolicy;
  logger: Logger;
  now?: () => Date;
}

export interface SweepOutcome extends DrainOutcome {
  confirmed: number;
  dropped: number;
}

export interface EventDelivery {
  readonly outbox: Outbox;
  /** The configured sinks, by name; with none, no event is written. */
  readonly sinks: readonly string[];
  /**
   * The events a write of `record` carries: `ddx.record.completed` for a stored job,
   * `ddx.record.reviewed` once a review made it final or rejected it. Each goes to the sinks that
   * take it; none when no sink does.
   */
  pendingFor(record: ReportableRecord, type: RecordEventType): PendingEvent[];
  /** Starts sending these stored events now, in the background, bounded by the policy's timeout. */
  deliverSoon(events: readonly PendingEvent[]): void;
  /** Sends every due entry, after settling what a crash left half-written. */
  sweep(options?: { signal?: AbortSignal }): Promise<SweepOutcome>;
  /** Waits for every delivery `deliverSoon` started (each is bounded; `signal` bounds the wait). */
  settled(options?: { signal?: AbortSignal }): Promise<void>;
}

export function createEventDelivery(settings: EventDeliverySettings): EventDelivery {
  const { outbox, senders, logger } = settings;
  const policy = settings.policy ?? defaultDeliveryPolicy;
  const now = settings.now ?? (() => new Date());
  const inFlight = new Set<Promise<void>>();
  const drainSettings = {
    outbox,
    senders,
    now,
    maxAttempts: policy.maxAttempts,
    baseDelayMs: policy.retryDelayMs,
  };
  const logged = (what: string, outcome: DrainOutcome, fields: Record<string, number> = {}) => {
    const failed = outcome.retryLater + outcome.deadLettered;
    const line = { ...outcome, ...fields };
    if (failed > 0) logger.warn(`${what}: some events were not delivered yet`, line);
    else if (outcome.delivered > 0 || Object.values(fields).some((count) => count > 0))
      logger.info(what, line);
  };

  return {
    outbox,
    sinks: senders.map((sender) => sender.name),
    pendingFor(record, type) {
      if (senders.length === 0) return [];
      const state = record.review?.state;
      if (type === RecordEventType.reviewed && state !== 'final' && state !== 'rejected') return [];
      const event = recordEvent(record, type, settings.events);
      const sinks = senders.filter((sender) => sender.accepts?.(event) ?? true).map((sender) => sender.name);
      return sinks.length > 0 ? [{ event, sinks }] : [];
    },
    deliverSoon(events) {
      if (events.length === 0) return;
      const eventIds = events.map(({ event }) => event.id);
      const delivery = drainOutbox({
        ...drainSettings,
        eventIds,
        signal: AbortSignal.timeout(policy.timeoutMs),
      })
        .then((outcome) => logged('events delivered', outcome))
        .catch((error: unknown) =>
          // The entries are stored: the sweep sends what this delivery could not.
          logger.warn('event delivery stopped: the sweep will send what is left', {
            error: (error as Error).name,
            code: (error as { code?: string }).code,
          }),
        )
        .finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    },
    async sweep(options) {
      const signal = options?.signal;
      const recovered = await outbox.recover({ now: now(), graceMs: recoverGraceMs, signal });
      const total: SweepOutcome = { ...recovered, delivered: 0, retryLater: 0, deadLettered: 0, skipped: 0 };
      const limit = defaultDrainSettings.limit;
      for (;;) {
        const outcome = await drainOutbox({ ...drainSettings, limit, signal });
        total.delivered += outcome.delivered;
        total.retryLater += outcome.retryLater;
        total.deadLettered += outcome.deadLettered;
        total.skipped += outcome.skipped;
        const handled = outcome.delivered + outcome.retryLater + outcome.deadLettered + outcome.skipped;
        if (handled < limit || signal?.aborted) break;
      }
      logged('outbox swept', total, { confirmed: total.confirmed, dropped: total.dropped });
      return total;
    },
    async settled(options) {
      const waiting = Promise.all([...inFlight]).then(() => undefined);
      const signal = options?.signal;
      if (!signal) return waiting;
      if (signal.aborted) return;
      await Promise.race([
        waiting,
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
    },
  };
}
