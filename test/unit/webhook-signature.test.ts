import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  parseWebhookSecret,
  verifyWebhook,
  WebhookVerificationError,
  webhookHeaders,
  webhookSignature,
} from '../../src/events/webhook-signature.js';

// The published test vector of the Standard Webhooks reference libraries.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  const key = parseWebhookSecret(vector.secret);

  it('reproduces the published test vector', () => {
    assert.equal(webhookSignature(key, vector.id, vector.timestamp, vector.body), vector.signature);
  });

  it('is verified by the reference library, and verifies what the reference library signs', () => {
    const at = new Date();
    const headers = webhookHeaders(key, 'evt_1', at, '{"a":1}');
    assert.doesNotThrow(() => new Webhook(vector.secret).verify('{"a":1}', { ...headers }));
    const theirs = new Webhook(vector.secret).sign('evt_2', at, '{"b":2}');
    const seconds = String(Math.floor(at.getTime() / 1000));
    assert.equal(
      verifyWebhook(
        key,
        { 'Webhook-Id': 'evt_2', 'Webhook-Timestamp': seconds, 'Webhook-Signature': theirs },
        '{"b":2}',
      ),
      'evt_2',
    );
  });

  it('accepts one matching signature among several (key rotation)', () => {
    const now = new Date(vector.timestamp * 1000);
    const headers = {
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc ${vector.signature}`,
    };
    assert.equal(verifyWebhook(key, headers, vector.body, { now }), vector.id);
  });

  it('refuses a changed body, a wrong key, a stale or future timestamp and missing headers', () => {
    const now = new Date(vector.timestamp * 1000);
    const headers = {
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    };
    assert.throws(
      () => verifyWebhook(key, headers, '{"test": 2432232315}', { now }),
      WebhookVerificationError,
    );
    const otherKey = parseWebhookSecret(`whsec_${Buffer.alloc(24, 7).toString('base64')}`);
    assert.throws(() => verifyWebhook(otherKey, headers, vector.body, { now }), WebhookVerificationError);
    assert.throws(
      () => verifyWebhook(key, headers, vector.body, { now: new Date((vector.timestamp + 301) * 1000) }),
      WebhookVerificationError,
    );
    assert.throws(
      () => verifyWebhook(key, headers, vector.body, { now: new Date((vector.timestamp - 301) * 1000) }),
      WebhookVerificationError,
    );
    assert.throws(
      () => verifyWebhook(key, { ...headers, 'webhook-timestamp': 'soon' }, vector.body, { now }),
      WebhookVerificationError,
    );
    assert.throws(
      () => verifyWebhook(key, { 'webhook-id': vector.id }, vector.body, { now }),
      WebhookVerificationError,
    );
  });

  it('refuses secrets that are not whsec_<base64 of 16+ bytes>', () => {
    for (const secret of [
      '',
      'whsec_',
      'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'whsec_not base64!',
      'whsec_c2hvcnQ=',
    ]) {
      assert.throws(() => parseWebhookSecret(secret), /whsec_/);
    }
  });
});
