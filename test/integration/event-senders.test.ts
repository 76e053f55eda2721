import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createEventBridgeSender } from '../../src/events/eventbridge-sender.js';
import { RecordEventType, recordEvent } from '../../src/events/record-event.js';
import { createWebhookSender } from '../../src/events/webhook-sender.js';
import {
  type LoopbackEventBridge,
  startLoopbackEventBridge,
} from '../support/loopback-eventbridge-server.js';
import {
  type LoopbackWebhookReceiver,
  startLoopbackWebhookReceiver,
} from '../support/loopback-webhook-receiver.js';
import { localizedFinalRecord } from '../support/reportable-records.js';

const secret = `whsec_${Buffer.from('ddx-test-secret-0123456789abcdef').toString('base64')}`;
const policy = { attempts: 3, timeoutMs: 1_000, baseDelayMs: 1, maxDelayMs: 5 };
const event = recordEvent(localizedFinalRecord(), RecordEventType.completed, {
  source: '/ddx-assist/test',
  links: { apiBaseUrl: 'https://ddx.example.org' },
});

describe('webhook sender', () => {
  let receiver: LoopbackWebhookReceiver;
  before(async () => {
    receiver = await startLoopbackWebhookReceiver(secret);
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.setBehaviour({ kind: 'accept' });
  });
  after(() => receiver.close());

  it('delivers a signed structured CloudEvent that the reference verifier accepts', async () => {
    await createWebhookSender({ url: receiver.url, secret, policy }).send(event);
    assert.equal(receiver.received.length, 1);
    const [delivery] = receiver.received;
    assert.equal(delivery?.verified, true, delivery?.verificationError ?? '');
    assert.equal(delivery?.webhookId, event.id);
    assert.equal(delivery?.contentType, 'application/cloudevents+json; charset=utf-8');
    assert.equal(delivery?.event?.type, 'ddx.record.completed');
    assert.equal(delivery?.event?.subject, event.subject);
    assert.deepEqual(JSON.parse(delivery?.body ?? '{}'), event);
  });

  it('retries 503 and 429 with the same webhook-id, each attempt freshly signed', async () => {
    receiver.setBehaviour({ kind: 'fail', status: 503, times: 1 });
    await createWebhookSender({ url: receiver.url, secret, policy }).send(event);
    receiver.setBehaviour({ kind: 'fail', status: 429, times: 1, headers: { 'retry-after': '0' } });
    await createWebhookSender({ url: receiver.url, secret, policy }).send(event);
    assert.equal(receiver.received.length, 4);
    assert.ok(receiver.received.every((delivery) => delivery.verified && delivery.webhookId === event.id));
    assert.equal(receiver.uniqueEvents().size, 1);
  });

  it('does not retry a permanent answer (400, 410) and says it is permanent', async () => {
    for (const status of [400, 410]) {
      receiver.received.length = 0;
      receiver.setBehaviour({ kind: 'fail', status });
      await assert.rejects(createWebhookSender({ url: receiver.url, secret, policy }).send(event), {
        retriable: false,
        message: new RegExp(`HTTP ${status}`),
      });
      assert.equal(receiver.received.length, 1);
    }
  });

  it('times out a hung endpoint, tries again, and fails retriably', async () => {
    receiver.setBehaviour({ kind: 'hang' });
    await assert.rejects(
      createWebhookSender({ url: receiver.url, secret, policy: { ...policy, timeoutMs: 200 } }).send(event),
      { code: 'DEPENDENCY_TIMEOUT', retriable: true },
    );
    assert.equal(receiver.received.length, policy.attempts);
  });

  it('fails retriably when the endpoint is down', async () => {
    const down = await startLoopbackWebhookReceiver(secret);
    await down.stop();
    await assert.rejects(createWebhookSender({ url: down.url, secret, policy }).send(event), {
      retriable: true,
      message: /ECONNREFUSED/,
    });
  });

  it('refuses a malformed secret at construction', () => {
    assert.throws(() => createWebhookSender({ url: receiver.url, secret: 'not-a-secret' }), /whsec_/);
  });
});

describe('EventBridge sender (PutEvents, JSON 1.1 on loopback)', () => {
  let bridge: LoopbackEventBridge;
  let client: EventBridgeClient;
  before(async () => {
    bridge = await startLoopbackEventBridge(['ddx-events']);
    client = new EventBridgeClient({
      endpoint: bridge.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  beforeEach(() => {
    bridge.accepted.length = 0;
    bridge.calls.length = 0;
    bridge.setBehaviour({ kind: 'accept' });
  });
  after(async () => {
    client.destroy();
    await bridge.close();
  });

  it('puts the CloudEvent as the detail, typed and sourced as the CloudEvent', async () => {
    await createEventBridgeSender({ busName: 'ddx-events', client, policy }).send(event);
    assert.equal(bridge.calls.length, 1);
    assert.equal(bridge.calls[0]?.target, 'AWSEvents.PutEvents');
    assert.equal(bridge.calls[0]?.contentType, 'application/x-amz-json-1.1');
    assert.equal(bridge.calls[0]?.signed, true);
    const [entry] = bridge.accepted;
    assert.equal(entry?.EventBusName, 'ddx-events');
    assert.equal(entry?.Source, '/ddx-assist/test');
    assert.equal(entry?.DetailType, 'ddx.record.completed');
    assert.deepEqual(entry?.Resources, []);
    assert.equal(entry?.Time, Date.parse(event.time) / 1000);
    assert.deepEqual(JSON.parse(entry?.Detail ?? '{}'), event);
  });

  it('retries a throttled entry and a throttled call, then delivers once', async () => {
    bridge.setBehaviour({ kind: 'fail-entries', errorCode: 'ThrottlingException', times: 1 });
    await createEventBridgeSender({ busName: 'ddx-events', client, policy }).send(event);
    bridge.setBehaviour({ kind: 'fail-call', type: 'ThrottlingException', status: 400, times: 1 });
    await createEventBridgeSender({ busName: 'ddx-events', client, policy }).send(event);
    bridge.setBehaviour({ kind: 'fail-call', type: 'InternalException', status: 500, times: 1 });
    await createEventBridgeSender({ busName: 'ddx-events', client, policy }).send(event);
    assert.equal(bridge.calls.length, 6);
    assert.equal(bridge.accepted.length, 3);
  });

  it('does not retry a permanent entry error: a bus that does not exist', async () => {
    await assert.rejects(createEventBridgeSender({ busName: 'no-such-bus', client, policy }).send(event), {
      retriable: false,
      message: /ResourceNotFoundException/,
    });
    assert.equal(bridge.calls.length, 1);
  });

  it('does not retry a call the service refuses as invalid', async () => {
    bridge.setBehaviour({ kind: 'fail-call', type: 'ValidationException', status: 400, times: 5 });
    await assert.rejects(createEventBridgeSender({ busName: 'ddx-events', client, policy }).send(event), {
      retriable: false,
    });
    assert.equal(bridge.calls.length, 1);
  });
});
