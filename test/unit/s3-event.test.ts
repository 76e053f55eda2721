import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/config.js';
import { BadInputError } from '../../src/errors.js';
import { decodeS3EventKey, parseTriggerEvent } from '../../src/triggers/s3-event.js';

const scope = { inputPrefix: 'uploads/', derivedPrefix: 'derived/' };

interface S3Record {
  eventName: string;
  s3: { bucket: { name: string }; object: Record<string, unknown> & { key: string } };
}
interface S3Notification {
  Records: S3Record[];
}
interface SqsBatch {
  Records: { messageId: string; body: string }[];
}

function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(packageRoot, 'test/fixtures/events', name), 'utf8')) as T;
}

/** A direct notification for one object, from the real-shaped fixture. */
function putEvent(key: string, changes: (record: S3Record) => void = () => undefined): S3Notification {
  const event = fixture<S3Notification>('s3-put-encoded-key.json');
  const [record] = event.Records;
  assert.ok(record);
  record.s3.object.key = key;
  changes(record);
  return event;
}

function invalidEventError(event: unknown): BadInputError {
  try {
    parseTriggerEvent(event, scope);
  } catch (error) {
    assert.ok(error instanceof BadInputError, `expected a BadInputError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_EVENT');
    assert.equal(error.retriable, false);
    return error;
  }
  assert.fail('the event was accepted');
}

describe('decodeS3EventKey', () => {
  it('reads + as a space and %2B as a plus, as S3 form-encodes keys', () => {
    assert.equal(decodeS3EventKey('uploads/red+flower.jpg', 'test'), 'uploads/red flower.jpg');
    assert.equal(decodeS3EventKey('uploads/c%2B%2B+notes.jpg', 'test'), 'uploads/c++ notes.jpg');
    assert.equal(decodeS3EventKey('uploads/a%20b%2Fc.jpg', 'test'), 'uploads/a b/c.jpg');
  });

  it('decodes multi-byte UTF-8 sequences', () => {
    assert.equal(
      decodeS3EventKey('uploads/%C3%A9t%C3%A9+%E7%9A%AE%E8%86%9A.jpg', 'test'),
      'uploads/été 皮膚.jpg',
    );
  });

  it('rejects broken percent-encoding without quoting the key', () => {
    assert.throws(
      () => decodeS3EventKey('uploads/Jane+Doe%E0%A4%A.jpg', 'Records.0.s3.object.key'),
      (error: unknown) =>
        error instanceof BadInputError &&
        error.code === 'INVALID_EVENT' &&
        /Records\.0\.s3\.object\.key/.test(error.message) &&
        !error.message.includes('Jane'),
    );
  });
});

describe('parseTriggerEvent: direct S3 notifications', () => {
  it('reads a put with a URL-encoded key holding spaces, a plus, parentheses and unicode', () => {
    const parsed = parseTriggerEvent(fixture('s3-put-encoded-key.json'), scope);
    assert.deepEqual(parsed, {
      trigger: 's3',
      objects: [
        {
          bucket: 'ddx-uploads-eu-west-1',
          key: 'uploads/clinic A/back lesion (1)+2 été 皮膚.jpg',
          versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
          etag: '9b2cf535f27731c974343645a3985328',
          size: 48213,
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-03-04T09:15:27.481Z',
        },
      ],
      skipped: [],
    });
  });

  it('accepts an IPv6 source address (the Powertools schema does not)', () => {
    const parsed = parseTriggerEvent(fixture('s3-put-ipv6.json'), scope);
    assert.equal(parsed.objects.length, 1);
    assert.equal(parsed.objects[0]?.key, 'uploads/derm clinic/2026-03-04 forearm.png');
    assert.equal(parsed.objects[0]?.versionId, undefined, 'an unversioned bucket has no version id');
  });

  it('treats a null versionId (unversioned bucket) as absent', () => {
    const event = putEvent('uploads/a.jpg', (record) => {
      record.s3.object.versionId = null;
    });
    assert.equal('versionId' in (parseTriggerEvent(event, scope).objects[0] ?? {}), false);
  });

  it('keeps uploads and skips crops, sidecars and deletions of a multi-record event, with reasons', () => {
    const parsed = parseTriggerEvent(fixture('s3-multi-record.json'), scope);
    assert.deepEqual(
      parsed.objects.map((object) => [object.key, object.eventName]),
      [
        ['uploads/batch 7/lesion 1.jpg', 'ObjectCreated:Put'],
        ['uploads/batch 7/lesion 2.jpg', 'ObjectCreated:CompleteMultipartUpload'],
      ],
    );
    assert.deepEqual(
      parsed.skipped.map((item) => item.reason),
      ['derived-prefix', 'metadata-sidecar', 'not-object-created'],
    );
  });

  it('skips keys outside the input prefix and folder markers', () => {
    assert.deepEqual(parseTriggerEvent(putEvent('exports/report.jpg'), scope).skipped, [
      { reason: 'outside-input-prefix' },
    ]);
    assert.deepEqual(parseTriggerEvent(putEvent('uploads/batch+7/'), scope).skipped, [
      { reason: 'folder-marker' },
    ]);
  });

  it('skips the derived prefix even when it sits inside the input prefix', () => {
    const parsed = parseTriggerEvent(putEvent('uploads/derived/crops/x.jpg'), {
      inputPrefix: 'uploads/',
      derivedPrefix: 'uploads/derived/',
    });
    assert.deepEqual(parsed, { trigger: 's3', objects: [], skipped: [{ reason: 'derived-prefix' }] });
  });

  it('processes the whole bucket when the input prefix is empty, crops still excepted', () => {
    const everywhere = { inputPrefix: '', derivedPrefix: 'derived/' };
    assert.equal(parseTriggerEvent(putEvent('anywhere/a.jpg'), everywhere).objects.length, 1);
    assert.equal(parseTriggerEvent(putEvent('derived/crops/a.jpg'), everywhere).objects.length, 0);
  });

  it('matches prefixes on the decoded key', () => {
    const parsed = parseTriggerEvent(putEvent('my+uploads/a.jpg'), { ...scope, inputPrefix: 'my uploads/' });
    assert.equal(parsed.objects[0]?.key, 'my uploads/a.jpg');
  });

  it('skips a test event sent straight to the function', () => {
    const parsed = parseTriggerEvent({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }, scope);
    assert.deepEqual(parsed, { trigger: 's3', objects: [], skipped: [{ reason: 'test-event' }] });
  });

  it('allows fields it does not know (newer event versions add some)', () => {
    const event = putEvent('uploads/a.jpg', (record) => {
      Object.assign(record, { eventVersion: '2.6', glacierEventData: { restoreEventData: {} } });
      record.s3.object.contentType = 'image/jpeg';
    });
    assert.equal(parseTriggerEvent(event, scope).objects.length, 1);
  });
});

describe('parseTriggerEvent: SQS', () => {
  it('skips the s3:TestEvent S3 sends to a new queue, naming its message', () => {
    const parsed = parseTriggerEvent(fixture('sqs-s3-test-event.json'), scope);
    assert.deepEqual(parsed, {
      trigger: 'sqs',
      objects: [],
      skipped: [{ reason: 'test-event', messageId: '6a3c1e2d-0b4f-4c58-9d1e-7f2a3b4c5d6e' }],
    });
  });

  it('reads every good message of a batch and drops the malformed one with a reason', () => {
    const parsed = parseTriggerEvent(fixture('sqs-batch-one-malformed.json'), scope);
    assert.equal(parsed.trigger, 'sqs');
    assert.deepEqual(
      parsed.objects.map((object) => [object.messageId, object.key]),
      [
        ['1b6f2a9e-3c4d-4e5f-8a7b-9c0d1e2f3a4b', 'uploads/batch 7/lesion 1.jpg'],
        ['3d8b4c1a-5e6f-4071-8c9d-1e2f3a4b5c6d', 'uploads/batch 7/lesion 3.jpg'],
      ],
    );
    const [dropped] = parsed.skipped;
    assert.equal(parsed.skipped.length, 1);
    assert.equal(dropped?.reason, 'invalid-message');
    assert.equal(dropped?.messageId, '2c7a3b0f-4d5e-4f60-9b8c-0d1e2f3a4b5c');
    assert.match(dropped?.detail ?? '', /message 1 is not valid JSON/);
    assert.ok(!dropped?.detail?.includes('clinic-uploader'), 'the body is not quoted');
  });

  it('drops a message whose JSON body is not a notification, naming the field', () => {
    const batch = fixture<SqsBatch>('sqs-batch-one-malformed.json');
    const [first] = batch.Records;
    assert.ok(first);
    first.body = JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }] });
    const parsed = parseTriggerEvent(batch, scope);
    assert.equal(parsed.skipped[0]?.reason, 'invalid-message');
    assert.match(parsed.skipped[0]?.detail ?? '', /Records\.0\.eventTime/);
  });

  it('unwraps S3 notifications relayed by SNS and EventBridge events sent to the queue', () => {
    const batch = fixture<SqsBatch>('sqs-batch-one-malformed.json');
    const [first, second] = batch.Records;
    assert.ok(first && second);
    first.body = JSON.stringify({
      Type: 'Notification',
      MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:ddx-uploads',
      Message: JSON.stringify(putEvent('uploads/via+sns.jpg')),
    });
    second.body = readFileSync(
      join(packageRoot, 'test/fixtures/events/eventbridge-object-created.json'),
      'utf8',
    );
    const parsed = parseTriggerEvent(batch, scope);
    assert.deepEqual(
      parsed.objects.map((object) => object.key),
      ['uploads/via sns.jpg', 'uploads/clinic A/back lesion+2 été.jpg', 'uploads/batch 7/lesion 3.jpg'],
    );
    assert.deepEqual(parsed.skipped, []);
  });

  it('rejects a batch whose envelope is broken', () => {
    const error = invalidEventError({ Records: [{ eventSource: 'aws:sqs', messageId: 'm-1' }] });
    assert.match(error.message, /Records\.0\.body/);
  });
});

describe('parseTriggerEvent: EventBridge', () => {
  it('reads an Object Created event and keeps its key as it is (EventBridge does not URL-encode)', () => {
    assert.deepEqual(parseTriggerEvent(fixture('eventbridge-object-created.json'), scope), {
      trigger: 'eventbridge',
      objects: [
        {
          bucket: 'ddx-uploads-eu-west-1',
          key: 'uploads/clinic A/back lesion+2 été.jpg',
          versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
          etag: '9b2cf535f27731c974343645a3985328',
          size: 48213,
          eventName: 'Object Created',
          eventTime: '2026-03-04T09:15:28Z',
        },
      ],
      skipped: [],
    });
  });

  it('skips other S3 event types without requiring their detail', () => {
    const event = {
      ...fixture('eventbridge-object-created.json'),
      'detail-type': 'Object Deleted',
      detail: {},
    };
    assert.deepEqual(parseTriggerEvent(event, scope).skipped, [{ reason: 'not-object-created' }]);
  });

  it('rejects an event from another source', () => {
    const error = invalidEventError({
      ...fixture<Record<string, unknown>>('eventbridge-object-created.json'),
      source: 'aws.ec2',
    });
    assert.match(error.message, /source/);
  });
});

describe('parseTriggerEvent: malformed events', () => {
  it('names the missing field without echoing any value', () => {
    const event = putEvent('uploads/a.jpg', (record) => {
      delete (record.s3.object as { key?: string }).key;
      record.s3.bucket.name = 'bucket-of-patient-Jane-Doe';
    });
    const error = invalidEventError(event);
    assert.match(error.message, /Records\.0\.s3\.object\.key/);
    assert.ok(!error.message.includes('Jane'));
  });

  it('names a wrongly typed field without echoing its value', () => {
    const error = invalidEventError(
      putEvent('uploads/a.jpg', (record) => {
        record.s3.object.size = 'MRN-4471882';
      }),
    );
    assert.match(error.message, /Records\.0\.s3\.object\.size/);
    assert.ok(!error.message.includes('4471882'));
  });

  it('rejects a record from another event source without quoting it', () => {
    const error = invalidEventError(
      putEvent('uploads/a.jpg', (record) => {
        Object.assign(record, { eventSource: 'aws:Jane-Doe' });
      }),
    );
    assert.match(error.message, /Records\.0\.eventSource/);
    assert.ok(!error.message.includes('Jane'));
  });

  it('rejects events that are not objects, have no records or have an unknown shape', () => {
    invalidEventError('uploads/a.jpg');
    invalidEventError(null);
    invalidEventError([]);
    assert.match(invalidEventError({ Records: [] }).message, /Records/);
    assert.match(invalidEventError({ hello: 'world' }).message, /not an S3 notification/);
  });

  it('rejects a key that is not valid URL encoding', () => {
    const error = invalidEventError(putEvent('uploads/100%+sure.jpg'));
    assert.match(error.message, /Records\.0\.s3\.object\.key: the object key is not valid URL encoding/);
  });
});
