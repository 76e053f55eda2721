/**
 * Sends what is due in the outbox through the configured senders: after each job (only that
 * job's events) and on a schedule (everything due). A transient failure is tried again later with
 * exponential backoff; a permanent one, or the last allowed attempt, dead-letters the entry.
 *
 * @example
 * const outcome = await drainOutbox({ outbox, senders: [webhookSender], now: new Date() });
 * // { delivered: 3, retryLater: 1, deadLettered: 0, skipped: 0 }
 */
import { DdxError } from '../errors.js';
import type { EventSender, Outbox } from '../ports.js';

export interface DrainSettings {
  outbox: Outbox;
  senders: readonly EventSender[];
  now?: () => Date;
  /** Delivery attempts before an entry is dead-lettered. */
  maxAttempts?: number;
  /** Backoff before attempt n+1: `baseDelayMs * 2^(n-1)`, capped. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  leaseMs?: number;
  limit?: number;
  eventIds?: string[];
  signal?: AbortSignal;
}

export interface DrainOutcome {
  delivered: number;
  retryLater: number;
  deadLettered: number;
  /** Entries whose sink has no sender in this process, or left when time ran out: still pending. */
  skipped: number;
}

export const defaultDrainSettings = {
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 6 * 60 * 60 * 1000,
  leaseMs: 60_000,
  limit: 100,
} as const;

export async function drainOutbox(settings: DrainSettings): Promise<DrainOutcome> {
  const now = settings.now ?? (() => new Date());
  const maxAttempts = settings.maxAttempts ?? defaultDrainSettings.maxAttempts;
  const baseDelayMs = settings.baseDelayMs ?? defaultDrainSettings.baseDelayMs;
  const maxDelayMs = settings.maxDelayMs ?? defaultDrainSettings.maxDelayMs;
  const senders = new Map(settings.senders.map((sender) => [sender.name, sender]));
  const outcome: DrainOutcome = { delivered: 0, retryLater: 0, deadLettered: 0, skipped: 0 };
  const entries = await settings.outbox.claimDue({
    now: now(),
    leaseMs: settings.leaseMs ?? defaultDrainSettings.leaseMs,
    limit: settings.limit ?? defaultDrainSettings.limit,
    only: settings.eventIds ? { eventIds: settings.eventIds, sinks: [...senders.keys()] } : undefined,
    signal: settings.signal,
  });
  for (const entry of entries) {
    const sender = senders.get(entry.sink);
    // Out of time: what is left stays leased, and is due again when the lease ends.
    if (!sender || settings.signal?.aborted) {
      outcome.skipped++;
      continue;
    }
    try {
      await sender.send(entry.event, { signal: settings.signal });
      await settings.outbox.markDelivered(entry.eventId, entry.sink, now(), { signal: settings.signal });
      outcome.delivered++;
    } catch (error) {
      if (settings.signal?.aborted) {
        outcome.skipped++;
        continue;
      }
      const attempts = entry.attempts + 1;
      const retriable = error instanceof DdxError ? error.retriable : true;
      const at = now();
      const retryAt =
        retriable && attempts < maxAttempts
          ? new Date(at.getTime() + Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1)))
          : null;
      await settings.outbox.markAttemptFailed(
        entry.eventId,
        entry.sink,
        { error: (error as Error).message ?? String(error), at, retryAt },
        { signal: settings.signal },
      );
      if (retryAt) outcome.retryLater++;
      else outcome.deadLettered++;
    }
  }
  return outcome;
}
