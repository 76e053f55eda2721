/**
 * The store step with events on DynamoDB (dynalite): the contract, and the writer dying between
 * its writes. The outbox entries are staged before the record and confirmed after it; whatever a
 * crash leaves staged, `recover` settles by the record: an event is never lost, and never
 * announces a record that was not stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbOutbox } from '../../src/adapters/outbox/dynamodb.js';
import { createDynamoDbResultStore } from '../../src/adapters/result-store/dynamodb.js';
import { DependencyError, ServiceErrorCode } from '../../src/errors.js';
import { drainOutbox } from '../../src/events/drain-outbox.js';
import type { EventSender } from '../../src/ports.js';
import { createDynaliteClient, type RunningDynalite, startDynalite } from '../support/dynalite.js';
import {
  claimable,
  completedEvents,
  freshRecord,
  recordWithEventsContract,
} from './record-with-events.contract.js';

const policy = { attempts: 3, timeoutMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 };

recordWithEventsContract('DynamoDB (dynalite, one table)', async () => {
  const dynamo = await startDynalite();
  return {
    store: createDynamoDbResultStore({ table: dynamo.table, client: dynamo.client, policy }),
    outbox: createDynamoDbOutbox({ table: dynamo.table, client: dynamo.client, policy }),
    cleanup: () => dynamo.close(),
  };
});

type Moment = 'before' | 'after';

/**
 * A client whose process "dies" at one write: the call throws (not retriable) before it reaches
 * DynamoDB, or after DynamoDB applied it (the answer lost with the process).
 */
function dyingClient(
  endpoint: string,
  dies: { command: string; itemPrefix: string; moment: Moment },
): DynamoDBClient {
  const client = createDynaliteClient(endpoint);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      // At this step the input is still the document client's, unmarshalled.
      const input = args.input as { Item?: { id?: string }; Key?: { id?: string } };
      const id = input.Item?.id ?? input.Key?.id ?? '';
      const dying = context.commandName === dies.command && id.startsWith(dies.itemPrefix);
      const crash = () =>
        new DependencyError('the writer died', { code: ServiceErrorCode.storageError, retriable: false });
      if (dying && dies.moment === 'before') throw crash();
      const result = await next(args);
      if (dying && dies.moment === 'after') throw crash();
      return result;
    },
    { step: 'initialize', name: 'dieAtOneWrite' },
  );
  return client;
}

function countingSender(name: string): EventSender & { sent: string[] } {
  const sent: string[] = [];
  return {
    name,
    sent,
    async send(event) {
      sent.push(event.id);
    },
  };
}

describe('DynamoDB: the writer dies between the record and its events', () => {
  let dynamo: RunningDynalite;
  before(async () => {
    dynamo = await startDynalite();
  });
  after(() => dynamo.close());

  /** A later process: a fresh outbox, the sweep after the grace period, then a full drain. */
  async function sweepLater() {
    const outbox = createDynamoDbOutbox({ table: dynamo.table, client: dynamo.client, policy });
    const recovered = await outbox.recover({ now: new Date(Date.now() + 60 * 60_000), graceMs: 5 * 60_000 });
    const senders = [countingSender('webhook'), countingSender('eventbridge')];
    await drainOutbox({ outbox, senders, now: () => new Date(Date.now() + 60 * 60_000), limit: 1000 });
    return { recovered, senders };
  }

  async function saveDying(moment: Moment, command: string, itemPrefix: string) {
    const record = freshRecord();
    const events = completedEvents(record);
    const client = dyingClient(dynamo.endpoint, { command, itemPrefix, moment });
    const store = createDynamoDbResultStore({ table: dynamo.table, client, policy });
    const saved = await store.save(record, { events }).then(
      (outcome) => ({ outcome }),
      (error: unknown) => ({ error }),
    );
    client.destroy();
    return { record, events, saved };
  }

  const reader = () => createDynamoDbResultStore({ table: dynamo.table, client: dynamo.client, policy });

  it('dies before the record is written: no record, and the staged events are dropped, never sent', async () => {
    const { record, events, saved } = await saveDying('before', 'PutItemCommand', 'rec_');
    assert.ok('error' in saved);
    assert.equal(await reader().get(record.id), undefined);
    const { recovered, senders } = await sweepLater();
    assert.ok(recovered.dropped >= 2, 'both sinks dropped');
    for (const sender of senders) assert.ok(!sender.sent.includes(events[0]?.event.id ?? ''));
  });

  it('dies right after the record was written (the answer lost): the sweep confirms and sends each event once', async () => {
    const { record, events, saved } = await saveDying('after', 'PutItemCommand', 'rec_');
    assert.ok('error' in saved, 'the writer never learnt that its record was stored');
    assert.ok(await reader().get(record.id), 'the record is stored');
    const outbox = createDynamoDbOutbox({ table: dynamo.table, client: dynamo.client, policy });
    assert.deepEqual(
      await claimable(outbox, events),
      [],
      'staged entries are not sent before they are settled',
    );
    const { recovered, senders } = await sweepLater();
    assert.ok(recovered.confirmed >= 2);
    for (const sender of senders) {
      assert.equal(sender.sent.filter((id) => id === events[0]?.event.id).length, 1, sender.name);
    }
  });

  it('dies before confirming the events: the save reports the record stored, and the sweep sends each event once', async () => {
    const { record, events, saved } = await saveDying('before', 'UpdateItemCommand', 'outbox#');
    assert.ok('outcome' in saved && saved.outcome.written);
    assert.ok(await reader().get(record.id));
    const { recovered, senders } = await sweepLater();
    assert.ok(recovered.confirmed >= 2);
    for (const sender of senders) {
      assert.equal(sender.sent.filter((id) => id === events[0]?.event.id).length, 1, sender.name);
    }
    // Settled once: a second sweep finds nothing more to send.
    const again = await sweepLater();
    for (const sender of again.senders) assert.ok(!sender.sent.includes(events[0]?.event.id ?? ''));
  });

  it('leaves entries staged within the grace period alone: a save may still be under way', async () => {
    const { events } = await saveDying('before', 'PutItemCommand', 'rec_');
    const outbox = createDynamoDbOutbox({ table: dynamo.table, client: dynamo.client, policy });
    const early = await outbox.recover({ now: new Date(), graceMs: 5 * 60_000 });
    assert.deepEqual(early, { confirmed: 0, dropped: 0 });
    assert.deepEqual(await claimable(outbox, events), []);
    await sweepLater();
  });
});
