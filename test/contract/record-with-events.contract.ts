/**
 * The store step with events (ResultStore.save with `events`), on each store that has an outbox:
 * a stored record's events are pending in the outbox at once, a record that was not written has
 * none, and the patient identifiers come back only through `patientIdentifiers`. SQLite and
 * DynamoDB (dynalite) run these; their crash cases live beside them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RecordEventType, recordEvent } from '../../src/events/record-event.js';
import type { Outbox, PendingEvent, ResultStore } from '../../src/ports.js';
import type { InferenceRecord } from '../../src/record.js';
import { sampleRecord } from '../support/records.js';

export interface StoreWithOutboxFixture {
  store: ResultStore;
  outbox: Outbox;
  cleanup?: () => Promise<void>;
}

const eventSettings = { source: '/ddx-assist/test', links: { apiBaseUrl: 'https://ddx.example.org' } };
const sinks = ['webhook', 'eventbridge'] as const;
let counter = 0;

export function freshRecord(overrides: Partial<InferenceRecord> = {}): InferenceRecord {
  counter++;
  return { ...sampleRecord({ key: `uploads/with-events-${counter}-${Math.random()}.jpg` }), ...overrides };
}

export function completedEvents(record: InferenceRecord): PendingEvent[] {
  return [{ event: recordEvent(record, RecordEventType.completed, eventSettings), sinks }];
}

/** Every entry of these events that a drainer could claim now. */
export async function claimable(outbox: Outbox, events: PendingEvent[]) {
  return outbox.claimDue({
    now: new Date(Date.now() + 1000),
    leaseMs: 1,
    limit: 100,
    only: { eventIds: events.map(({ event }) => event.id), sinks },
  });
}

export function recordWithEventsContract(name: string, create: () => Promise<StoreWithOutboxFixture>): void {
  describe(`ResultStore.save with events: ${name}`, () => {
    let fixture: StoreWithOutboxFixture;
    before(async () => {
      fixture = await create();
    });
    after(async () => {
      await fixture.outbox.close?.();
      await fixture.store.close?.();
      await fixture.cleanup?.();
    });

    it('stores the events of a written record as pending entries, one per sink', async () => {
      const record = freshRecord();
      const events = completedEvents(record);
      assert.deepEqual(await fixture.store.save(record, { events }), { written: true });
      const entries = await claimable(fixture.outbox, events);
      assert.deepEqual(entries.map((entry) => entry.sink).sort(), [...sinks].sort());
      for (const entry of entries) {
        assert.equal(entry.eventId, events[0]?.event.id);
        assert.equal(entry.attempts, 0);
        assert.deepEqual(entry.event, events[0]?.event);
      }
    });

    it('stores no event for a record it did not write (another writer came first)', async () => {
      const record = freshRecord();
      await fixture.store.save(record);
      const loser = { ...record, status: 'failed' as const, updatedAt: '2031-01-01T00:00:00.000Z' };
      const events = completedEvents(loser);
      const outcome = await fixture.store.save(loser, { events });
      assert.equal(outcome.written, false);
      assert.deepEqual(await claimable(fixture.outbox, events), []);
      const listed = await fixture.outbox.list({ limit: 1000 });
      assert.ok(!listed.some((entry) => entry.eventId === events[0]?.event.id));
    });

    it('stores the events of a replacing write, and none of a stale one', async () => {
      const record = freshRecord({ status: 'failed' });
      await fixture.store.save(record);
      const retried = { ...record, status: 'succeeded' as const, updatedAt: '2031-02-01T00:00:00.000Z' };
      const retriedEvents = completedEvents(retried);
      assert.deepEqual(
        await fixture.store.save(retried, { replacing: record.updatedAt, events: retriedEvents }),
        {
          written: true,
        },
      );
      assert.equal((await claimable(fixture.outbox, retriedEvents)).length, sinks.length);
      const stale = { ...record, status: 'degraded' as const, updatedAt: '2031-03-01T00:00:00.000Z' };
      const staleEvents = completedEvents(stale);
      const outcome = await fixture.store.save(stale, { replacing: record.updatedAt, events: staleEvents });
      assert.equal(outcome.written, false);
      assert.deepEqual(await claimable(fixture.outbox, staleEvents), []);
    });

    it('reads the patient identifiers back apart from the record, and none for a record without', async () => {
      const record = freshRecord();
      const patient = { name: 'Jane Q Doe', patientId: 'MRN-7', dateOfBirth: '1970-01-01' };
      await fixture.store.save(record, { patient });
      assert.deepEqual(await fixture.store.patientIdentifiers(record.id), patient);
      assert.ok(!JSON.stringify(await fixture.store.get(record.id)).includes('MRN-7'));
      const anonymous = freshRecord();
      await fixture.store.save(anonymous);
      assert.equal(await fixture.store.patientIdentifiers(anonymous.id), undefined);
    });

    it('finds nothing to recover after whole writes', async () => {
      const recovered = await fixture.outbox.recover({ now: new Date(Date.now() + 60_000), graceMs: 0 });
      assert.deepEqual(recovered, { confirmed: 0, dropped: 0 });
    });
  });
}
