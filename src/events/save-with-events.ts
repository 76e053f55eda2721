/**
 * Stores a record with the events its write carries, in the same step (`ResultStore.save` with
 * `events`), then starts delivering them. The pipeline's persist step stores a job's record with
 * `ddx.record.completed`; the review workflow stores a finalised or rejected review with
 * `ddx.record.reviewed` through this same function, so both are written in the record's step and
 * never lost.
 *
 * @example
 * // in the review workflow, in place of resultStore.save(settled, { replacing }):
 * const outcome = await saveWithEvents(deps, settled, RecordEventType.reviewed, { replacing: record.updatedAt });
 */
import type { ResultStore, SaveOptions, SaveOutcome } from '../ports.js';
import type { InferenceRecord } from '../record.js';
import type { EventDelivery } from './event-delivery.js';
import type { RecordEventType } from './record-event.js';

export interface SaveWithEventsDeps {
  resultStore: ResultStore;
  /** Absent or without sinks: the record is stored alone. */
  events?: EventDelivery;
}

export async function saveWithEvents(
  deps: SaveWithEventsDeps,
  record: InferenceRecord,
  type: RecordEventType,
  options: Omit<SaveOptions, 'events'> = {},
): Promise<SaveOutcome> {
  const events = deps.events?.pendingFor(record, type) ?? [];
  const outcome = await deps.resultStore.save(record, events.length > 0 ? { ...options, events } : options);
  if (outcome.written) deps.events?.deliverSoon(events);
  return outcome;
}
