import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DependencyError, ServiceErrorCode } from '../../src/errors.js';
import type { ModelProvider } from '../../src/ports.js';
import { recordIdFor } from '../../src/record.js';
import { abortableSleep } from '../../src/resilience/retry.js';
import {
  deadlineFromRemainingTime,
  type ProcessEventOptions,
  processEvent,
  TransientFailuresError,
} from '../../src/triggers/process-event.js';
import {
  createPipelineFixture,
  type PipelineFixture,
  sampleJpeg,
  upload,
} from '../support/pipeline-fixture.js';
import { encodeS3EventKey, eventFixture, s3Notification, sqsBatch } from '../support/trigger-events.js';
import { withClassify } from '../support/wrapped-classifier.js';

const bucket = 'test-bucket';
const options: ProcessEventOptions = { inputPrefix: 'uploads/', requestId: 'invocation-1', concurrency: 4 };
const localized = { extent: 'localized', bodySite: 'back', age: 54, sex: 'female' };
const widespread = { extent: 'widespread', bodySite: 'back', age: 54, sex: 'female' };

type Json = Record<string, unknown>;

/** The ETag as an S3 event gives it: the object's ETag without its quotes. */
async function bareEtag(fixture: PipelineFixture, key: string): Promise<string> {
  const { etag } = await fixture.blobStore.head(key);
  assert.ok(etag);
  return etag.replace(/"/g, '');
}

/** A direct S3 notification in the real shape, one record per object (unversioned bucket). */
async function s3Event(fixture: PipelineFixture, keys: string[]): Promise<Json> {
  const objects = [];
  for (const key of keys) {
    objects.push({ bucket, encodedKey: encodeS3EventKey(key), etag: await bareEtag(fixture, key) });
  }
  return s3Notification(objects);
}

async function uploadImage(
  fixture: PipelineFixture,
  key: string,
  metadata: Json = localized,
  width = 120,
): Promise<void> {
  await upload(fixture.blobStore, key, await sampleJpeg(width, 90), metadata);
}

/** Models whose classifier fails, retriably, for images of one width: one object of a batch. */
function classifierFailingForWidth(models: ModelProvider, width: number): ModelProvider {
  return withClassify(models, (real) => (image, callOptions) => {
    if (image.width === width) {
      throw new DependencyError('endpoint returned 503', {
        code: ServiceErrorCode.dependencyUnavailable,
        retriable: true,
      });
    }
    return real.classify(image, callOptions);
  });
}

describe('processEvent', () => {
  it('writes a record for a direct S3 event, under the decoded key, and returns nothing to Lambda', async () => {
    const fixture = createPipelineFixture();
    const key = 'uploads/clinic A/back lesion+1 été.jpg';
    await uploadImage(fixture, key);

    const result = await processEvent(await s3Event(fixture, [key]), fixture.deps, options);

    assert.equal(result.trigger, 's3');
    assert.equal(result.response, undefined);
    const [outcome] = result.outcomes;
    assert.equal(outcome?.kind, 'finished');
    const stored = [...fixture.resultStore.records.values()];
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.status, 'succeeded');
    assert.equal(stored[0]?.source.key, key);
    assert.equal(stored[0]?.trigger, 's3');
    assert.equal(stored[0]?.requestId, 'invocation-1');
  });

  it("names the same record as the object's head does, although events give the ETag bare", async () => {
    const fixture = createPipelineFixture();
    await uploadImage(fixture, 'uploads/a.jpg');
    const { etag } = await fixture.blobStore.head('uploads/a.jpg');
    await processEvent(await s3Event(fixture, ['uploads/a.jpg']), fixture.deps, options);
    assert.ok(fixture.resultStore.records.has(recordIdFor({ bucket, key: 'uploads/a.jpg', etag })));
  });

  it('answers a redelivered event from the stored record: no work, no second write', async () => {
    const fixture = createPipelineFixture();
    await uploadImage(fixture, 'uploads/a.jpg');
    const event = await s3Event(fixture, ['uploads/a.jpg']);
    await processEvent(event, fixture.deps, options);
    const saves = fixture.resultStore.saves;
    const classified = fixture.models.classifyCalls.length;

    const again = await processEvent(event, fixture.deps, { ...options, requestId: 'invocation-2' });

    assert.equal(fixture.resultStore.saves, saves);
    assert.equal(fixture.models.classifyCalls.length, classified);
    const [outcome] = again.outcomes;
    assert.ok(outcome?.kind === 'finished' && outcome.reused);
    assert.equal(outcome.record.requestId, 'invocation-1', 'the first delivery’s record stands');
  });

  it('runs an object named twice in one batch once, and reports both messages done', async () => {
    const fixture = createPipelineFixture();
    await uploadImage(fixture, 'uploads/a.jpg');
    const body = JSON.stringify(await s3Event(fixture, ['uploads/a.jpg']));

    const result = await processEvent(sqsBatch([body, body]), fixture.deps, options);

    assert.equal(fixture.resultStore.saves, 1);
    assert.deepEqual(result.response, { batchItemFailures: [] });
    assert.deepEqual(
      result.outcomes.map((outcome) => [outcome.kind, outcome.object.messageId]),
      [
        ['finished', 'message-0'],
        ['finished', 'message-1'],
      ],
    );
  });

  it('lists exactly the SQS message whose object failed transiently; the others succeed', async () => {
    const fixture = createPipelineFixture();
    const keys = ['uploads/one.jpg', 'uploads/two.jpg', 'uploads/three.jpg'];
    await uploadImage(fixture, 'uploads/one.jpg', widespread);
    await uploadImage(fixture, 'uploads/two.jpg', widespread, 131);
    await uploadImage(fixture, 'uploads/three.jpg', widespread);
    fixture.deps.models = classifierFailingForWidth(fixture.models, 131);
    const bodies = await Promise.all(keys.map(async (key) => JSON.stringify(await s3Event(fixture, [key]))));

    const result = await processEvent(sqsBatch(bodies), fixture.deps, options);

    assert.equal(result.trigger, 'sqs');
    assert.deepEqual(result.response, { batchItemFailures: [{ itemIdentifier: 'message-1' }] });
    const statuses = Object.fromEntries(
      [...fixture.resultStore.records.values()].map((record) => [record.source.key, record.status]),
    );
    assert.deepEqual(statuses, {
      'uploads/one.jpg': 'succeeded',
      'uploads/two.jpg': 'failed',
      'uploads/three.jpg': 'succeeded',
    });
  });

  it('redelivers a message whose object another run is processing, without writing', async () => {
    const fixture = createPipelineFixture();
    await uploadImage(fixture, 'uploads/busy.jpg');
    const { etag } = await fixture.blobStore.head('uploads/busy.jpg');
    const id = recordIdFor({ bucket, key: 'uploads/busy.jpg', etag });
    assert.ok(await fixture.resultStore.claim(id, { owner: 'another-invocation', leaseMs: 60_000 }));
    const body = JSON.stringify(await s3Event(fixture, ['uploads/busy.jpg']));

    const result = await processEvent(sqsBatch([body]), fixture.deps, options);

    assert.deepEqual(result.response, { batchItemFailures: [{ itemIdentifier: 'message-0' }] });
    assert.deepEqual(
      result.outcomes.map((outcome) => outcome.kind === 'transient' && outcome.code),
      ['IN_PROGRESS'],
    );
    assert.equal(fixture.resultStore.saves, 0);
  });

  it('keeps bad input and malformed messages out of the batch failures, which would loop forever', async () => {
    const fixture = createPipelineFixture();
    await uploadImage(fixture, 'uploads/good.jpg');
    await upload(
      fixture.blobStore,
      'uploads/not-an-image.jpg',
      Buffer.from('plain text, not a JPEG'),
      localized,
    );
    const good = JSON.stringify(await s3Event(fixture, ['uploads/good.jpg']));
    const bad = JSON.stringify(await s3Event(fixture, ['uploads/not-an-image.jpg']));

    const result = await processEvent(sqsBatch([good, bad, '{"Records": [']), fixture.deps, options);

    assert.deepEqual(result.response, { batchItemFailures: [] });
    const failed = [...fixture.resultStore.records.values()].find((record) => record.status === 'failed');
    assert.equal(failed?.source.key, 'uploads/not-an-image.jpg');
    assert.equal(failed?.error?.retriable, false);
    assert.deepEqual(result.skipped, [
      {
        reason: 'invalid-message',
        messageId: 'message-2',
        detail: 'the body of message 2 is not valid JSON',
      },
    ]);
  });

  it('ends missing and oversize objects as failed records, not retries', async () => {
    const fixture = createPipelineFixture({ limits: { maxImageBytes: 300, maxImagePixels: 10_000_000 } });
    await uploadImage(fixture, 'uploads/huge.jpg', localized, 400);
    const event = (await s3Event(fixture, ['uploads/huge.jpg'])) as { Records: Json[] };
    const missing = structuredClone(event.Records[0]) as { s3: { object: Json } };
    missing.s3.object = { key: 'uploads/gone.jpg', size: 10, eTag: 'abc', sequencer: '00A2' };
    const result = await processEvent(
      sqsBatch([JSON.stringify(event), JSON.stringify({ Records: [missing] })]),
      fixture.deps,
      options,
    );
    assert.deepEqual(result.response, { batchItemFailures: [] });
    const byKey = new Map(
      [...fixture.resultStore.records.values()].map((record) => [record.source.key, record]),
    );
    assert.deepEqual(
      [byKey.get('uploads/huge.jpg')?.error?.code, byKey.get('uploads/huge.jpg')?.error?.retriable],
      ['OBJECT_TOO_LARGE', false],
    );
    assert.deepEqual(
      [byKey.get('uploads/gone.jpg')?.error?.code, byKey.get('uploads/gone.jpg')?.error?.retriable],
      ['OBJECT_NOT_FOUND', false],
    );
  });

  it('processes an EventBridge Object Created event, its key taken as it comes', async () => {
    const fixture = createPipelineFixture();
    const key = 'uploads/back lesion+2.jpg';
    await uploadImage(fixture, key);
    const event = eventFixture('eventbridge-object-created.json') as {
      detail: { bucket: Json; object: Json };
    };
    event.detail.bucket.name = bucket;
    event.detail.object = { key, size: 1000, etag: await bareEtag(fixture, key) };

    const result = await processEvent(event, fixture.deps, options);

    assert.equal(result.trigger, 'eventbridge');
    const [record] = fixture.resultStore.records.values();
    assert.equal(record?.source.key, key);
    assert.equal(record?.trigger, 'eventbridge');
    assert.equal(record?.status, 'succeeded');
  });

  it('throws for a direct S3 event with a transient failure, after processing the rest', async () => {
    const fixture = createPipelineFixture();
    const keys = ['uploads/first.jpg', 'uploads/second.jpg', 'uploads/third.jpg'];
    for (const key of keys) await uploadImage(fixture, key);
    const save = fixture.resultStore.save;
    fixture.resultStore.save = async (record, saveOptions) => {
      if (record.source.key === 'uploads/first.jpg') {
        throw new DependencyError('the table is unavailable', {
          code: ServiceErrorCode.storageError,
          retriable: true,
        });
      }
      return save(record, saveOptions);
    };
    const event = await s3Event(fixture, keys);

    await assert.rejects(processEvent(event, fixture.deps, { ...options, concurrency: 1 }), (error) => {
      assert.ok(error instanceof TransientFailuresError);
      assert.match(error.message, /1 of 3 object\(s\) failed transiently \(STORAGE_ERROR\)/);
      assert.deepEqual(
        error.outcomes.map((outcome) => outcome.kind),
        ['transient', 'finished', 'finished'],
      );
      return true;
    });
    assert.deepEqual([...fixture.resultStore.records.values()].map((record) => record.source.key).sort(), [
      'uploads/second.jpg',
      'uploads/third.jpg',
    ]);
  });

  it('refuses, for a later redrive, an object in a bucket the blob store does not read', async () => {
    const fixture = createPipelineFixture();
    await uploadImage(fixture, 'uploads/a.jpg');
    const event = await s3Event(fixture, ['uploads/a.jpg']);
    ((event.Records as Json[])[0] as { s3: { bucket: Json } }).s3.bucket.name = 'someone-elses-bucket';

    await assert.rejects(processEvent(event, fixture.deps, options), /INVALID_CONFIGURATION/);
    assert.equal(fixture.resultStore.saves, 0);
    assert.equal(fixture.models.classifyCalls.length, 0);
  });

  it('runs no job for a test event', async () => {
    const fixture = createPipelineFixture();
    const result = await processEvent(eventFixture('sqs-s3-test-event.json'), fixture.deps, options);
    assert.deepEqual(result.response, { batchItemFailures: [] });
    assert.equal(result.outcomes.length, 0);
    assert.equal(fixture.resultStore.saves, 0);
  });

  it('runs at most `concurrency` objects at once, and that many when it can', async () => {
    const fixture = createPipelineFixture();
    const keys = Array.from({ length: 7 }, (_, index) => `uploads/lesion-${index}.jpg`);
    for (const key of keys) await uploadImage(fixture, key);
    let inFlight = 0;
    let mostInFlight = 0;
    fixture.deps.models = withClassify(fixture.models, (real) => async (image, callOptions) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 25));
      inFlight--;
      return real.classify(image, callOptions);
    });

    await processEvent(await s3Event(fixture, keys), fixture.deps, { ...options, concurrency: 3 });

    assert.equal(mostInFlight, 3);
    assert.equal(fixture.resultStore.records.size, 7);
  });

  it('gives every job the deadline derived from the remaining time', async () => {
    const fixture = createPipelineFixture();
    await uploadImage(fixture, 'uploads/slow.jpg');
    // A classifier that would take 5 s unless the job's deadline stops it.
    fixture.deps.models = withClassify(fixture.models, () => async (_image, callOptions) => {
      await abortableSleep(5_000, callOptions?.signal);
      throw new Error('the deadline never came');
    });
    const remainingMs = 1_000;
    const marginMs = 800;

    await assert.rejects(
      processEvent(await s3Event(fixture, ['uploads/slow.jpg']), fixture.deps, {
        ...options,
        deadline: deadlineFromRemainingTime(remainingMs, marginMs),
      }),
      (error) => {
        assert.ok(error instanceof TransientFailuresError);
        const [outcome] = error.outcomes;
        assert.equal(outcome?.kind === 'transient' && outcome.record?.error?.code, 'DEADLINE_EXCEEDED');
        return true;
      },
    );
  });

  it('computes the deadline as the remaining time less the margin', () => {
    assert.equal(deadlineFromRemainingTime(30_000, 5_000, 1_000_000), 1_025_000);
  });

  it('never logs an object key', async () => {
    const fixture = createPipelineFixture();
    const key = 'uploads/Jane Doe 1962-04-01.jpg';
    await uploadImage(fixture, key);
    await processEvent(await s3Event(fixture, [key]), fixture.deps, options);
    assert.ok(fixture.logLines.length > 0);
    for (const line of fixture.logLines) assert.ok(!line.includes('Jane'), line);
  });
});
