/**
 * An in-memory ResultStore for pipeline tests; passes the ResultStore contract suite.
 */

import {
  decodeCursor,
  isAfter,
  matchesPage,
  pageOf,
  pageOrder,
} from '../../src/adapters/result-store/record-page-cursor.js';
import type { PatientIdentifiers } from '../../src/domain.js';
import type { ClaimHolder, Outbox, PendingEvent, ResultStore, SaveOutcome } from '../../src/ports.js';
import type { InferenceRecord } from '../../src/record.js';

export interface InMemoryResultStore extends ResultStore {
  records: Map<string, InferenceRecord>;
  patients: Map<string, PatientIdentifiers>;
  /** The events written with each stored record, in order. */
  events: PendingEvent[];
  saves: number;
}

/** With `outbox`, a save's events are appended to it too, as a real store does in its write. */
export function createInMemoryResultStore(options: { outbox?: Outbox } = {}): InMemoryResultStore {
  const { outbox } = options;
  const records = new Map<string, InferenceRecord>();
  const claims = new Map<string, ClaimHolder>();
  const patients = new Map<string, PatientIdentifiers>();
  const copy = (record: InferenceRecord): InferenceRecord => structuredClone(record);
  const store: InMemoryResultStore = {
    name: 'in-memory',
    records,
    patients,
    events: [],
    saves: 0,
    async save(record, options): Promise<SaveOutcome> {
      store.saves++;
      const existing = records.get(record.id);
      const allowed =
        options?.replacing === undefined ? !existing : existing?.updatedAt === options.replacing;
      if (!allowed) {
        if (!existing) throw new Error('replaced record vanished');
        return { written: false, existing: copy(existing) };
      }
      records.set(record.id, copy(record));
      if (options?.patient && Object.keys(options.patient).length > 0)
        patients.set(record.id, { ...options.patient });
      store.events.push(...(options?.events ?? []));
      for (const { event, sinks } of options?.events ?? []) await outbox?.append(event, sinks);
      return { written: true };
    },
    async claim(id, { owner, leaseMs, process, takeOverFrom }) {
      const current = claims.get(id);
      const live = current && current.owner !== owner && current.expiresAt >= Date.now();
      if (live && current.owner !== takeOverFrom) return false;
      claims.set(id, { owner, expiresAt: Date.now() + leaseMs, process });
      return true;
    },
    async claimHolder(id) {
      const holder = claims.get(id);
      return holder ? structuredClone(holder) : undefined;
    },
    async release(id, owner) {
      if (claims.get(id)?.owner === owner) claims.delete(id);
    },
    async patientIdentifiers(recordId) {
      const patient = patients.get(recordId);
      return patient ? { ...patient } : undefined;
    },
    async get(id) {
      const record = records.get(id);
      return record ? copy(record) : undefined;
    },
    async list(options) {
      return [...records.values()]
        .filter((record) => !options?.status || record.status === options.status)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
        .slice(0, options?.limit ?? 50)
        .map(copy);
    },
    async listPage(query) {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const candidates = [...records.values()]
        .filter((record) => matchesPage(record, query) && (!after || isAfter(record, after)))
        .sort(pageOrder)
        .map(copy);
      return pageOf(candidates, query.limit);
    },
  };
  return store;
}
