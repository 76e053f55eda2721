/**
 * Record events in the pipeline and the review: a stored job carries `ddx.record.completed` into
 * the store step and it is sent right after; a reused record and a write another run won carry
 * none; a review carries `ddx.record.reviewed` only when it makes the record final or rejects it;
 * sinks take only the events they accept; a delivery cut off by its timeout leaves the entries to
 * the sweep.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteOutbox } from '../../src/adapters/outbox/sqlite.js';
import { createEventDelivery } from '../../src/events/event-delivery.js';
import { RecordEventType } from '../../src/events/record-event.js';
import { saveWithEvents } from '../../src/events/save-with-events.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import type { EventSender, Outbox } from '../../src/ports.js';
import { silentLogger } from '../../src/ports.js';
import type { InferenceRecord } from '../../src/record.js';
import { createInMemoryResultStore } from '../support/in-memory-result-store.js';
import { createPipelineFixture, sampleJpeg, upload } from '../support/pipeline-fixture.js';
import { sampleRecord } from '../support/records.js';

const events = { source: '/ddx-assist/test', links: { apiBaseUrl: 'https://ddx.example.org' } };

function recordingSender(name: string, accepts?: EventSender['accepts']): EventSender & { sent: string[] } {
  const sent: string[] = [];
  return {
    name,
    sent,
    accepts,
    async send(event) {
      sent.push(`${event.type} ${event.subject}`);
    },
  };
}

describe('record events', () => {
  let folder: string;
  let outbox: Outbox;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ddx-pipeline-events-'));
    outbox = createSqliteOutbox({ path: join(folder, 'outbox.db') });
  });
  after(async () => {
    await outbox.close?.();
    await rm(folder, { recursive: true, force: true });
  });

  it('stores a job record with its completed event and sends it; a reused record sends nothing', async () => {
    const webhook = recordingSender('webhook');
    const delivery = createEventDelivery({ outbox, senders: [webhook], events, logger: silentLogger });
    const fixture = createPipelineFixture({
      events: delivery,
      resultStore: createInMemoryResultStore({ outbox }),
    });
    await upload(fixture.blobStore, 'uploads/events-1.jpg', await sampleJpeg(), { extent: 'localized' });
    const job = { source: { key: 'uploads/events-1.jpg' }, requestId: 'r1', trigger: 'cli' as const };
    const { record } = await runInference(job, fixture.deps);
    const resultStore = fixture.deps.resultStore as ReturnType<typeof createInMemoryResultStore>;
    assert.deepEqual(
      resultStore.events.map(({ event, sinks }) => [event.type, event.subject, sinks]),
      [[RecordEventType.completed, record.id, ['webhook']]],
    );
    await delivery.settled();
    assert.deepEqual(webhook.sent, [`ddx.record.completed ${record.id}`]);

    const again = await runInference({ ...job, requestId: 'r2' }, fixture.deps);
    assert.equal(again.reused, true);
    await delivery.settled();
    assert.equal(resultStore.events.length, 1);
    assert.equal(webhook.sent.length, 1);
  });

  it('writes no event without sinks', async () => {
    const delivery = createEventDelivery({ outbox, senders: [], events, logger: silentLogger });
    const store = createInMemoryResultStore();
    await saveWithEvents(
      { resultStore: store, events: delivery },
      sampleRecord({ key: 'uploads/quiet.jpg' }),
      RecordEventType.completed,
    );
    assert.deepEqual(store.events, []);
  });

  it('sends a reviewed event only when a review makes the record final or rejects it', async () => {
    const webhook = recordingSender('webhook');
    const delivery = createEventDelivery({ outbox, senders: [webhook], events, logger: silentLogger });
    const store = createInMemoryResultStore({ outbox });
    const record = sampleRecord({ key: 'uploads/reviewed.jpg' });
    await store.save(record);
    const review = (state: 'preliminary' | 'final' | 'rejected', at: string) => ({
      state,
      reviewer: 'Dr Lee',
      at,
      diagnosis: null,
      codes: [],
      comment: null,
    });
    const withReview = (state: 'preliminary' | 'final' | 'rejected', at: string, previous: InferenceRecord) =>
      ({ ...previous, review: review(state, at), updatedAt: at }) as InferenceRecord;

    const preliminary = withReview('preliminary', '2031-01-01T00:00:00.000Z', record);
    await saveWithEvents({ resultStore: store, events: delivery }, preliminary, RecordEventType.reviewed, {
      replacing: record.updatedAt,
    });
    const final = withReview('final', '2031-01-02T00:00:00.000Z', preliminary);
    await saveWithEvents({ resultStore: store, events: delivery }, final, RecordEventType.reviewed, {
      replacing: preliminary.updatedAt,
    });
    const rejected = withReview('rejected', '2031-01-03T00:00:00.000Z', final);
    await saveWithEvents({ resultStore: store, events: delivery }, rejected, RecordEventType.reviewed, {
      replacing: final.updatedAt,
    });
    await delivery.settled();
    assert.deepEqual(webhook.sent, [`ddx.record.reviewed ${record.id}`, `ddx.record.reviewed ${record.id}`]);
    const [first, second] = store.events;
    assert.notEqual(first?.event.id, second?.event.id, 'each decision is its own event');
    assert.deepEqual([first?.event.data.reviewState, second?.event.data.reviewState], ['final', 'rejected']);
  });

  it('stores nothing for a write another run won', async () => {
    const delivery = createEventDelivery({
      outbox,
      senders: [recordingSender('webhook')],
      events,
      logger: silentLogger,
    });
    const store = createInMemoryResultStore();
    const record = sampleRecord({ key: 'uploads/raced.jpg' });
    await store.save(record);
    const outcome = await saveWithEvents(
      { resultStore: store, events: delivery },
      { ...record, updatedAt: '2031-05-05T00:00:00.000Z' },
      RecordEventType.completed,
    );
    assert.equal(outcome.written, false);
    assert.deepEqual(store.events, []);
  });

  it('gives each sink only the events it accepts', () => {
    const archive = recordingSender('dicom-sr', (event) => event.data.links.dicomSr !== null);
    const delivery = createEventDelivery({
      outbox,
      senders: [recordingSender('webhook'), archive],
      events,
      logger: silentLogger,
    });
    const photo = sampleRecord({ key: 'uploads/photo.jpg' });
    assert.deepEqual(delivery.pendingFor(photo, RecordEventType.completed)[0]?.sinks, ['webhook']);
    const dicom = { ...photo, image: { format: 'dicom', width: 10, height: 10, bytes: 100 } };
    assert.deepEqual(delivery.pendingFor(dicom, RecordEventType.completed)[0]?.sinks, [
      'webhook',
      'dicom-sr',
    ]);
  });

  it('leaves what a delivery could not send in time to the sweep, which sends it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: string[] = [];
    let clock = Date.now();
    // The delivery's timeout timer does not hold the event loop open by itself.
    const keepAlive = setInterval(() => undefined, 1000);
    const slow: EventSender = {
      name: 'webhook',
      async send(event, options) {
        await Promise.race([
          gate,
          new Promise((_, reject) =>
            options?.signal?.addEventListener('abort', () => reject(new Error('timed out'))),
          ),
        ]);
        sent.push(event.id);
      },
    };
    const delivery = createEventDelivery({
      outbox,
      senders: [slow],
      events,
      policy: { maxAttempts: 8, retryDelayMs: 0, timeoutMs: 50 },
      logger: silentLogger,
      now: () => new Date(clock),
    });
    const store = createInMemoryResultStore();
    const record = sampleRecord({ key: 'uploads/slow.jpg' });
    const pending = delivery.pendingFor(record, RecordEventType.completed);
    for (const { event, sinks } of pending) await outbox.append(event, sinks);
    await store.save(record);
    delivery.deliverSoon(pending);
    await delivery.settled();
    assert.equal(sent.length, 0);
    release();
    // The sweep runs after the cut-off delivery's lease ended.
    clock += 10 * 60_000;
    const swept = await delivery.sweep();
    clearInterval(keepAlive);
    assert.ok(sent.includes(pending[0]?.event.id ?? ''));
    assert.ok(swept.delivered >= 1);
  });
});
