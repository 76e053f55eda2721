/**
 * Trigger events in the exact shapes AWS delivers, built from the recorded fixtures in
 * test/fixtures/events: a direct S3 notification, an SQS batch of bodies, an EventBridge
 * "Object Created" event and the s3:TestEvent. Only the fields a test names are replaced.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/config.js';

type Json = Record<string, unknown>;

/** One of the recorded events in test/fixtures/events, parsed afresh. */
export function eventFixture(name: string): Json {
  return JSON.parse(readFileSync(join(packageRoot, 'test/fixtures/events', name), 'utf8')) as Json;
}

function firstRecord(fixture: string): Json {
  const [record] = eventFixture(fixture).Records as Json[];
  if (!record) throw new Error(`${fixture} has no record`);
  return record;
}

/** S3 notifications encode keys as HTML forms do, leaving slashes alone: "a b+c" -> "a+b%2Bc". */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export interface S3RecordFields {
  bucket: string;
  /** The key exactly as it appears in the event: URL-encoded, see `encodeS3EventKey`. */
  encodedKey: string;
  /** Bare, as S3 sends it (no quotes); absent when the object does not exist. */
  etag?: string;
  /** Only versioned buckets send one. */
  versionId?: string;
  eventName?: string;
  /** 1000 when not given: the pipeline reads the size from the store, not the event. */
  size?: number;
  sourceIPAddress?: string;
}

/** One record of a direct S3 event notification. */
export function s3EventRecord(fields: S3RecordFields): Json {
  const { bucket, encodedKey, etag, versionId, eventName, size = 1000, sourceIPAddress } = fields;
  const record = structuredClone(firstRecord('s3-put-encoded-key.json')) as Json & {
    s3: { bucket: Json; object: Json };
    requestParameters: Json;
  };
  record.s3.bucket.name = bucket;
  record.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
  record.s3.object = { key: encodedKey, size, sequencer: '0065E5A1B2C3D4E5F6' };
  if (sourceIPAddress !== undefined) record.requestParameters = { sourceIPAddress };
  if (etag !== undefined) record.s3.object.eTag = etag;
  if (versionId !== undefined) record.s3.object.versionId = versionId;
  if (eventName !== undefined) record.eventName = eventName;
  return record;
}

/** A direct S3 event notification naming `objects`. */
export function s3Notification(objects: S3RecordFields[]): Json {
  return { Records: objects.map(s3EventRecord) };
}

/** What S3 sends a new destination to check it can deliver. */
export function s3TestEvent(bucket: string): Json {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2026-03-04T09:00:02.089Z',
    Bucket: bucket,
    RequestId: '5582815E1AEA5ADF',
    HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR',
  };
}

/** An SQS batch carrying `bodies`, message ids `message-<n>`. */
export function sqsBatch(bodies: string[]): Json {
  const template = firstRecord('sqs-batch-one-malformed.json');
  return { Records: bodies.map((body, index) => ({ ...template, messageId: `message-${index}`, body })) };
}

/** An EventBridge "Object Created" event; EventBridge keys are not URL-encoded. */
export function eventBridgeObjectCreated(fields: { bucket: string; key: string; etag?: string }): Json {
  const event = eventFixture('eventbridge-object-created.json') as Json & {
    detail: { bucket: Json; object: Json };
  };
  event.detail.bucket.name = fields.bucket;
  event.detail.object = { key: fields.key, size: 1000, sequencer: '617f08299329d189' };
  if (fields.etag !== undefined) event.detail.object.etag = fields.etag;
  event.resources = [`arn:aws:s3:::${fields.bucket}`];
  return event;
}
