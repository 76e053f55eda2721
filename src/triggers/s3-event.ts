/**
 * Turns whatever AWS delivers about a new upload into plain object events: a direct S3 event
 * notification, an SQS batch whose bodies are S3 notifications (or the same wrapped by SNS, or an
 * EventBridge event), or an EventBridge "Object Created" event. Our own zod schemas, not the
 * Powertools parser's: those reject IPv6 source addresses and `s3:TestEvent` messages and leave
 * keys URL-encoded (DEPENDENCIES.md).
 *
 * Events can carry patient data (a name typed into a file name), so errors name the field that is
 * wrong and never echo a value, and skipped items say why without saying which key.
 *
 * @example
 * const { trigger, objects, skipped } = parseTriggerEvent(event, { inputPrefix: 'uploads/', derivedPrefix: 'derived/' });
 */
import { z } from 'zod';
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';
import { type KeyScope, OutOfScope, outOfScopeReason } from '../uploads/key-scope.js';

export type EventTrigger = 's3' | 'sqs' | 'eventbridge';

/** One object named by an event, key decoded. */
export interface S3ObjectEvent {
  bucket: string;
  key: string;
  versionId?: string;
  /** As the event gives it: S3 notifications send the ETag without the quotes HeadObject has. */
  etag?: string;
  size?: number;
  /** `ObjectCreated:Put` (S3 notification) or `Object Created` (EventBridge detail-type). */
  eventName: string;
  eventTime: string;
  /** The SQS message that carried it: a batch reports failures by message id. */
  messageId?: string;
}

export const SkipReason = {
  testEvent: 'test-event',
  notObjectCreated: 'not-object-created',
  ...OutOfScope,
  folderMarker: 'folder-marker',
  /** An SQS message whose body is not a notification we understand: dropped, since a retry cannot fix it. */
  invalidMessage: 'invalid-message',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export interface SkippedItem {
  reason: SkipReason;
  messageId?: string;
  /** For `invalid-message`: what is wrong, naming fields only. */
  detail?: string;
}

export interface ParsedTriggerEvent {
  trigger: EventTrigger;
  objects: S3ObjectEvent[];
  skipped: SkippedItem[];
}

// ---------------------------------------------------------------------------------------------
// Schemas: only the fields we read are required; unknown fields are allowed (S3 adds fields in
// minor event versions, and the docs ask consumers to ignore them).

const text = z.string().min(1);

const s3RecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: text,
  eventTime: text,
  // IPv4, IPv6, or a service name for events S3 raises itself: never read, so never checked.
  requestParameters: z.object({ sourceIPAddress: z.string() }).partial().optional(),
  s3: z.object({
    bucket: z.object({ name: text }),
    object: z.object({
      key: text,
      size: z.number().int().nonnegative().optional(),
      eTag: text.optional(),
      // The docs: "object version if bucket is versioning-enabled, otherwise null".
      versionId: text.nullish(),
      sequencer: z.string().optional(),
    }),
  }),
});

const s3NotificationSchema = z.object({ Records: z.array(s3RecordSchema).min(1) });

/** What S3 sends to a new SQS or SNS destination to check it can deliver. */
const s3TestEventSchema = z.object({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') });

const eventBridgeEnvelopeSchema = z.object({
  source: z.literal('aws.s3'),
  'detail-type': text,
  time: text,
});

const eventBridgeObjectSchema = z.object({
  detail: z.object({
    bucket: z.object({ name: text }),
    object: z.object({
      key: text,
      size: z.number().int().nonnegative().optional(),
      etag: text.optional(),
      'version-id': text.nullish(),
      sequencer: z.string().optional(),
    }),
  }),
});

const sqsEventSchema = z.object({
  Records: z.array(z.object({ eventSource: z.literal('aws:sqs'), messageId: text, body: z.string() })).min(1),
});

/** S3 -> SNS -> SQS without raw message delivery: the notification is the SNS `Message`. */
const snsEnvelopeSchema = z.object({ Type: z.literal('Notification'), Message: z.string() });

// ---------------------------------------------------------------------------------------------

export function parseTriggerEvent(event: unknown, scope: KeyScope): ParsedTriggerEvent {
  const trigger = triggerOf(event);
  if (trigger !== 'sqs') return { trigger, ...parseNotification(event, 'the event', scope) };

  const batch = validate(sqsEventSchema, event, 'the SQS event');
  const objects: S3ObjectEvent[] = [];
  const skipped: SkippedItem[] = [];
  batch.Records.forEach(({ messageId, body }, index) => {
    let parsed: Notification;
    try {
      const what = `the body of message ${index}`;
      parsed = parseNotification(parseJson(body, what), what, scope);
    } catch (error) {
      // Permanent: listing it as a batch failure would only redeliver it until it reached the DLQ.
      if (!(error instanceof BadInputError)) throw error;
      skipped.push({ reason: SkipReason.invalidMessage, messageId, detail: error.message });
      return;
    }
    objects.push(...parsed.objects.map((object) => ({ ...object, messageId })));
    skipped.push(...parsed.skipped.map((item) => ({ ...item, messageId })));
  });
  return { trigger, objects, skipped };
}

/**
 * S3 notifications URL-encode the key the way HTML forms do: "red flower.jpg" arrives as
 * "red+flower.jpg", and a real plus as "%2B".
 */
export function decodeS3EventKey(key: string, where: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw invalidEvent(`${where}: the object key is not valid URL encoding`);
  }
}

// ---------------------------------------------------------------------------------------------

type Notification = Omit<ParsedTriggerEvent, 'trigger'>;

function triggerOf(event: unknown): EventTrigger {
  if (!isObject(event)) throw invalidEvent('the event is not a JSON object');
  if (Array.isArray(event.Records)) {
    const [first] = event.Records;
    return isObject(first) && first.eventSource === 'aws:sqs' ? 'sqs' : 's3';
  }
  if ('detail-type' in event) return 'eventbridge';
  if ('Event' in event) return 's3';
  throw invalidEvent('the event is not an S3 notification, an SQS batch or an S3 EventBridge event');
}

function parseNotification(value: unknown, what: string, scope: KeyScope, unwrapped = false): Notification {
  if (!isObject(value)) throw invalidEvent(`${what} is not a JSON object`);
  if (Array.isArray(value.Records)) return inScope(s3Objects(value, what), scope);
  if ('detail-type' in value) return eventBridgeObjects(value, what, scope);
  if ('Event' in value) {
    validate(s3TestEventSchema, value, what);
    return { objects: [], skipped: [{ reason: SkipReason.testEvent }] };
  }
  if (!unwrapped && value.Type === 'Notification') {
    const { Message } = validate(snsEnvelopeSchema, value, what);
    const inner = `the SNS message in ${what}`;
    return parseNotification(parseJson(Message, inner), inner, scope, true);
  }
  throw invalidEvent(`${what} is not an S3 notification or an S3 EventBridge event`);
}

function s3Objects(value: unknown, what: string): S3ObjectEvent[] {
  const { Records } = validate(s3NotificationSchema, value, what);
  return Records.map(({ eventName, eventTime, s3 }, index) =>
    objectEvent({
      bucket: s3.bucket.name,
      key: decodeS3EventKey(s3.object.key, `${what}: Records.${index}.s3.object.key`),
      versionId: s3.object.versionId,
      etag: s3.object.eTag,
      size: s3.object.size,
      eventName,
      eventTime,
    }),
  );
}

/**
 * EventBridge keys are taken as they come, not URL-decoded. AWS documents the encoding only for
 * notifications: "The object key name value is URL encoded. For example, 'red flower.jpg' becomes
 * 'red+flower.jpg'" (S3 User Guide, "Event message structure",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 * The EventBridge page ("EventBridge event message structure", .../userguide/ev-events.html)
 * describes `detail.object.key` with no such note. Not settled: Powertools for Python
 * (`S3EventBridgeNotificationObject.key`) and OpenSearch Data Prepper decode it anyway; a key with
 * a space and a "+" uploaded to a real bucket would settle it.
 */
function eventBridgeObjects(value: unknown, what: string, scope: KeyScope): Notification {
  const envelope = validate(eventBridgeEnvelopeSchema, value, what);
  // Other S3 events (Object Deleted, Object Tags Added...) carry other details: the type is enough.
  if (envelope['detail-type'] !== 'Object Created') {
    return { objects: [], skipped: [{ reason: SkipReason.notObjectCreated }] };
  }
  const { detail } = validate(eventBridgeObjectSchema, value, what);
  return inScope(
    [
      objectEvent({
        bucket: detail.bucket.name,
        key: detail.object.key,
        versionId: detail.object['version-id'],
        etag: detail.object.etag,
        size: detail.object.size,
        eventName: envelope['detail-type'],
        eventTime: envelope.time,
      }),
    ],
    scope,
  );
}

function inScope(events: S3ObjectEvent[], scope: KeyScope): Notification {
  const objects: S3ObjectEvent[] = [];
  const skipped: SkippedItem[] = [];
  for (const object of events) {
    const reason = skipReasonFor(object, scope);
    if (reason) skipped.push({ reason });
    else objects.push(object);
  }
  return { objects, skipped };
}

function skipReasonFor(object: S3ObjectEvent, scope: KeyScope): SkipReason | undefined {
  const created = object.eventName.startsWith('ObjectCreated:') || object.eventName === 'Object Created';
  if (!created) return SkipReason.notObjectCreated;
  const outOfScope = outOfScopeReason(object.key, scope);
  if (outOfScope) return outOfScope;
  // The console's "Create folder" writes an empty object whose key ends in a slash.
  if (object.key.endsWith('/')) return SkipReason.folderMarker;
  return undefined;
}

function validate<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Zod's messages name the expectation ("expected string"), never the value received.
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  throw invalidEvent(`${what} is malformed: ${problems.join('; ')}`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text, which may carry patient data.
    throw invalidEvent(`${what} is not valid JSON`);
  }
}

function invalidEvent(message: string): BadInputError {
  return new BadInputError(message, InputErrorCode.invalidEvent, PipelineStep.event);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Optional fields stay absent rather than undefined, so parsed events compare cleanly in tests. */
function objectEvent(
  fields: Omit<S3ObjectEvent, 'versionId'> & { versionId: string | null | undefined },
): S3ObjectEvent {
  const { bucket, key, versionId, etag, size, eventName, eventTime } = fields;
  const event: S3ObjectEvent = { bucket, key, eventName, eventTime };
  if (versionId) event.versionId = versionId;
  if (etag !== undefined) event.etag = etag;
  if (size !== undefined) event.size = size;
  return event;
}
