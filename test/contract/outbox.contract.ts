/**
 * The Outbox contract: SQLite and DynamoDB (dynalite) run these cases, plus the drain on top of
 * each: transient failures retried with backoff, permanent ones and the last attempt dead-lettered,
 * and a webhook receiver that was down for the whole run getting every event once it is up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DependencyError, ServiceErrorCode } from '../../src/errors.js';
import { drainOutbox } from '../../src/events/drain-outbox.js';
import { type RecordEvent, RecordEventType, recordEvent } from '../../src/events/record-event.js';
import { createWebhookSender } from '../../src/events/webhook-sender.js';
import type { EventSender, Outbox } from '../../src/ports.js';
import { startLoopbackWebhookReceiver } from '../support/loopback-webhook-receiver.js';
import { sampleRecord } from '../support/records.js';

export interface OutboxFixture {
  outbox: Outbox;
  /** False for stores that do not list delivered entries (DynamoDB keeps them out of its index). */
  listsDelivered: boolean;
  cleanup?: () => Promise<void>;
}

const settings = { source: '/ddx-assist/test', links: { apiBaseUrl: 'https://ddx.example.org' } };
let counter = 0;

/** A fresh event for a fresh record, so cases do not see each other's entries by id. */
function freshEvent(): RecordEvent {
  counter++;
  return recordEvent(
    sampleRecord({ key: `uploads/outbox-${counter}-${Math.random()}.jpg` }),
    RecordEventType.completed,
    settings,
  );
}

const at = (minutes: number) => new Date(Date.UTC(2030, 0, 1) + minutes * 60_000);
const permanent = () =>
  new DependencyError('refused', { code: ServiceErrorCode.dependencyUnavailable, retriable: false });
const transient = () =>
  new DependencyError('unavailable', { code: ServiceErrorCode.dependencyUnavailable, retriable: true });

/** A sender that fails as scripted per event id, then delivers; it remembers what it delivered. */
function scriptedSender(
  name: string,
  script: Map<string, (() => Error)[]> = new Map(),
): EventSender & { delivered: string[] } {
  const delivered: string[] = [];
  return {
    name,
    delivered,
    async send(event) {
      const failure = script.get(event.id)?.shift();
      if (failure) throw failure();
      delivered.push(event.id);
    },
  };
}

export function outboxContract(adapterName: string, create: () => Promise<OutboxFixture>): void {
  describe(`Outbox contract: ${adapterName}`, () => {
    let fixture: OutboxFixture;
    let outbox: Outbox;
    // Each case works in its own minute range, so due times never overlap across cases.
    let clock = 0;
    const minutes = () => {
      clock += 1000;
      return clock;
    };
    before(async () => {
      fixture = await create();
      outbox = fixture.outbox;
    });
    after(async () => {
      await outbox.close?.();
      await fixture.cleanup?.();
    });

    async function drainEverything(now: Date) {
      // Claim everything due up to now, in this store, and hand it back: cases start from a clean slate.
      for (const entry of await outbox.claimDue({ now, leaseMs: 0, limit: 1000 })) {
        await outbox.markDelivered(entry.eventId, entry.sink, now);
      }
    }

    it('appends one pending entry per sink, once however often it is appended', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const event = freshEvent();
      await outbox.append(event, ['webhook', 'eventbridge'], { now: at(start) });
      await outbox.append(event, ['webhook', 'eventbridge'], { now: at(start + 1) });
      const claimed = await outbox.claimDue({ now: at(start + 2), leaseMs: 60_000, limit: 10 });
      assert.deepEqual(claimed.map((entry) => entry.sink).sort(), ['eventbridge', 'webhook']);
      for (const entry of claimed) {
        assert.equal(entry.eventId, event.id);
        assert.deepEqual(entry.event, event);
        assert.equal(entry.attempts, 0);
        assert.equal(entry.state, 'pending');
        assert.equal(entry.appendedAt, at(start).toISOString());
      }
    });

    it('leases what it claims: a second drainer gets nothing until the lease runs out', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const event = freshEvent();
      await outbox.append(event, ['webhook'], { now: at(start) });
      assert.equal((await outbox.claimDue({ now: at(start + 1), leaseMs: 5 * 60_000, limit: 10 })).length, 1);
      assert.equal((await outbox.claimDue({ now: at(start + 2), leaseMs: 5 * 60_000, limit: 10 })).length, 0);
      const again = await outbox.claimDue({ now: at(start + 7), leaseMs: 60_000, limit: 10 });
      assert.deepEqual(
        again.map((entry) => entry.eventId),
        [event.id],
      );
    });

    it('claims oldest first, honours the limit, and claims only the given events when asked', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const events = [freshEvent(), freshEvent(), freshEvent()];
      for (const [index, event] of events.entries())
        await outbox.append(event, ['webhook'], { now: at(start + index) });
      const only = await outbox.claimDue({
        now: at(start + 10),
        leaseMs: 60_000,
        limit: 10,
        only: { eventIds: [events[2]?.id ?? ''], sinks: ['webhook', 'eventbridge'] },
      });
      assert.deepEqual(
        only.map((entry) => entry.eventId),
        [events[2]?.id],
      );
      const firstTwo = await outbox.claimDue({ now: at(start + 10), leaseMs: 60_000, limit: 2 });
      assert.deepEqual(
        firstTwo.map((entry) => entry.eventId),
        [events[0]?.id, events[1]?.id],
      );
    });

    it('delivers: a delivered entry is never claimed again', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const event = freshEvent();
      await outbox.append(event, ['webhook'], { now: at(start) });
      const [entry] = await outbox.claimDue({ now: at(start), leaseMs: 0, limit: 10 });
      assert.ok(entry);
      await outbox.markDelivered(entry.eventId, entry.sink, at(start + 1));
      assert.equal((await outbox.claimDue({ now: at(start + 500), leaseMs: 0, limit: 10 })).length, 0);
      if (fixture.listsDelivered) {
        const [listed] = (await outbox.list({ state: 'delivered', limit: 100 })).filter(
          (item) => item.eventId === event.id,
        );
        assert.equal(listed?.deliveredAt, at(start + 1).toISOString());
      }
    });

    it('retries a failed attempt when it is due again, counting attempts', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const event = freshEvent();
      await outbox.append(event, ['webhook'], { now: at(start) });
      await outbox.claimDue({ now: at(start), leaseMs: 60_000, limit: 10 });
      await outbox.markAttemptFailed(event.id, 'webhook', {
        error: 'HTTP 503',
        at: at(start),
        retryAt: at(start + 10),
      });
      assert.equal((await outbox.claimDue({ now: at(start + 9), leaseMs: 60_000, limit: 10 })).length, 0);
      const [entry] = await outbox.claimDue({ now: at(start + 10), leaseMs: 60_000, limit: 10 });
      assert.equal(entry?.attempts, 1);
      assert.equal(entry?.lastError, 'HTTP 503');
    });

    it('dead-letters, lists the failed, and retries them on request', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const [kept, other] = [freshEvent(), freshEvent()];
      for (const event of [kept, other]) {
        await outbox.append(event, ['webhook'], { now: at(start) });
      }
      await outbox.claimDue({ now: at(start), leaseMs: 60_000, limit: 10 });
      for (const event of [kept, other]) {
        await outbox.markAttemptFailed(event.id, 'webhook', {
          error: 'HTTP 410',
          at: at(start + 1),
          retryAt: null,
        });
      }
      assert.equal((await outbox.claimDue({ now: at(start + 500), leaseMs: 0, limit: 10 })).length, 0);
      const failed = (await outbox.list({ state: 'failed', limit: 100 })).filter((entry) =>
        [kept.id, other.id].includes(entry.eventId),
      );
      assert.equal(failed.length, 2);
      assert.ok(
        failed.every(
          (entry) => entry.state === 'failed' && entry.attempts === 1 && entry.lastError === 'HTTP 410',
        ),
      );
      assert.equal(await outbox.retryFailed({ eventId: kept.id, now: at(start + 2) }), 1);
      const [retried] = await outbox.claimDue({ now: at(start + 2), leaseMs: 60_000, limit: 10 });
      assert.equal(retried?.eventId, kept.id);
      assert.equal(retried?.attempts, 0);
      assert.equal(retried?.state, 'pending');
      assert.deepEqual(
        (await outbox.list({ state: 'failed', limit: 100 }))
          .map((entry) => entry.eventId)
          .filter((id) => [kept.id, other.id].includes(id)),
        [other.id],
      );
    });

    it('drain: delivers, retries transient failures later, dead-letters permanent ones, skips unknown sinks', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const [ok, flaky, refused] = [freshEvent(), freshEvent(), freshEvent()];
      for (const [index, event] of [ok, flaky, refused].entries()) {
        await outbox.append(event, ['webhook'], { now: at(start + index) });
      }
      const elsewhere = freshEvent();
      await outbox.append(elsewhere, ['eventbridge'], { now: at(start + 5) });
      const sender = scriptedSender(
        'webhook',
        new Map([
          [flaky.id, [transient]],
          [refused.id, [permanent]],
        ]),
      );
      let now = at(start + 10);
      const drain = () =>
        drainOutbox({
          outbox,
          senders: [sender],
          now: () => now,
          maxAttempts: 3,
          baseDelayMs: 60_000,
          leaseMs: 60_000,
        });
      assert.deepEqual(await drain(), { delivered: 1, retryLater: 1, deadLettered: 1, skipped: 1 });
      // Not due yet: the backoff holds the flaky one back (the skipped one's lease holds it too).
      now = at(start + 10.5);
      assert.deepEqual(await drain(), { delivered: 0, retryLater: 0, deadLettered: 0, skipped: 0 });
      now = at(start + 12);
      assert.deepEqual(await drain(), { delivered: 1, retryLater: 0, deadLettered: 0, skipped: 1 });
      assert.deepEqual(sender.delivered, [ok.id, flaky.id]);
      const failed = await outbox.list({ state: 'failed', limit: 100 });
      assert.ok(
        failed.some((entry) => entry.eventId === refused.id && /refused/.test(entry.lastError ?? '')),
      );
      assert.ok(!failed.some((entry) => entry.eventId === elsewhere.id));
    });

    it('drain: the last allowed attempt dead-letters a transient failure', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const event = freshEvent();
      await outbox.append(event, ['webhook'], { now: at(start) });
      const sender = scriptedSender('webhook', new Map([[event.id, [transient, transient, transient]]]));
      let now = at(start + 1);
      const drain = () =>
        drainOutbox({ outbox, senders: [sender], now: () => now, maxAttempts: 2, baseDelayMs: 60_000 });
      assert.equal((await drain()).retryLater, 1);
      now = at(start + 3);
      assert.equal((await drain()).deadLettered, 1);
      const [failed] = (await outbox.list({ state: 'failed', limit: 100 })).filter(
        (entry) => entry.eventId === event.id,
      );
      assert.equal(failed?.attempts, 2);
    });

    it('drain: a receiver down for the whole run gets every event once it is up, each under one webhook-id', async () => {
      const start = minutes();
      await drainEverything(at(start));
      const secret = `whsec_${Buffer.from('outbox-contract-secret-0123456789').toString('base64')}`;
      const receiver = await startLoopbackWebhookReceiver(secret);
      try {
        const sender = createWebhookSender({
          url: receiver.url,
          secret,
          policy: { attempts: 2, timeoutMs: 1_000, baseDelayMs: 1, maxDelayMs: 2 },
        });
        const events = [freshEvent(), freshEvent(), freshEvent()];
        await receiver.stop();
        let now = at(start);
        const drain = () =>
          drainOutbox({
            outbox,
            senders: [sender],
            now: () => now,
            maxAttempts: 10,
            baseDelayMs: 60_000,
            leaseMs: 30_000,
          });
        for (const event of events) {
          await outbox.append(event, ['webhook'], { now });
          // The job's own drain right after its write: the receiver is down.
          assert.equal(
            (await drainOutbox({ outbox, senders: [sender], now: () => now, eventIds: [event.id] }))
              .retryLater,
            1,
          );
        }
        now = at(start + 2);
        assert.equal((await drain()).retryLater, 3);
        assert.equal(receiver.received.length, 0);
        await receiver.start();
        // A first sweep after the restart delivers; a delivery whose answer was lost is sent again
        // by a later sweep under the same id, which the receiver de-duplicates.
        now = at(start + 10);
        assert.equal((await drain()).delivered, 3);
        assert.equal((await drain()).delivered, 0);
        const unique = receiver.uniqueEvents();
        assert.deepEqual([...unique.keys()].sort(), events.map((event) => event.id).sort());
        assert.ok(receiver.received.every((delivery) => delivery.verified));
        for (const delivery of receiver.received) assert.equal(delivery.event?.id, delivery.webhookId);
      } finally {
        await receiver.close();
      }
    });
  });
}
