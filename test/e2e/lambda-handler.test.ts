/**
 * The Lambda handler end to end on the embedded defaults (local folder, SQLite, the ONNX demo
 * models): a real-shaped S3 event in, a record in SQLite and a crop in the blob folder out, and
 * logs that carry the request id but nothing of the patient.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { createLocalFolderBlobStore } from '../../src/adapters/blob-store/local-folder.js';
import { createSqliteResultStore } from '../../src/adapters/result-store/sqlite.js';
import { uploadImage } from '../../src/cli/upload-image.js';
import { packageRoot } from '../../src/config.js';
import { handler } from '../../src/entry/lambda.js';
import type { ResultStore } from '../../src/ports.js';
import { outboxSweepEvent } from '../../src/triggers/outbox-sweep-event.js';
import {
  type LoopbackWebhookReceiver,
  startLoopbackWebhookReceiver,
} from '../support/loopback-webhook-receiver.js';
import { encodeS3EventKey, s3Notification } from '../support/trigger-events.js';

const detectorModel = join(packageRoot, 'models/lesion-detector.onnx');
const sample = join(packageRoot, 'samples/localized-melanoma-back.jpg');
const skip = !existsSync(detectorModel)
  ? 'models/lesion-detector.onnx is absent: train the demo models first (training/README.md)'
  : !existsSync(sample)
    ? 'samples/localized-melanoma-back.jpg is absent: generate the samples first (training/README.md)'
    : false;

/** Values that must never reach a log line: identifiers, notes and the key that names the patient. */
const markers = {
  name: 'Quimby Marker-Name',
  patientId: 'MRN-MARKER-58213',
  notes: 'NOTES-MARKER-7f3a',
  key: 'KEYMARKER',
};
const key = `uploads/${markers.key} clinic/back lesion+1 été.jpg`;

function lambdaContext(awsRequestId: string, remainingMs: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'ddx-assist-inference',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:ddx-assist-inference',
    memoryLimitInMB: '2048',
    awsRequestId,
    logGroupName: '/aws/lambda/ddx-assist-inference',
    logStreamName: '2026/03/04/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs the handler with what it prints captured, as CloudWatch would receive it. */
async function invoke(event: unknown, awsRequestId: string, remainingMs = 60_000) {
  const output = { stdout: '', stderr: '' };
  const restoreStdout = capture(process.stdout, (text) => {
    output.stdout += text;
  });
  const restoreStderr = capture(process.stderr, (text) => {
    output.stderr += text;
  });
  try {
    const result = await handler(event, lambdaContext(awsRequestId, remainingMs));
    return { result, ...output };
  } finally {
    restoreStdout();
    restoreStderr();
  }
}

function capture(stream: NodeJS.WriteStream, sink: (text: string) => void): () => void {
  const write = stream.write;
  stream.write = ((...args: Parameters<typeof write>) => {
    const [chunk] = args;
    // The test runner reports through stdout too, in binary frames: those pass through.
    if (typeof chunk !== 'string') return Reflect.apply(write, stream, args);
    sink(chunk);
    return true;
  }) as typeof write;
  return () => {
    stream.write = write;
  };
}

describe('Lambda handler on the embedded defaults', { skip }, () => {
  let dataDir: string;
  let blobDir: string;
  let resultStore: ResultStore;
  let event: Record<string, unknown>;
  let receiver: LoopbackWebhookReceiver;
  const webhookSecret = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;

  before(async () => {
    receiver = await startLoopbackWebhookReceiver(webhookSecret);
    dataDir = await mkdtemp(join(tmpdir(), 'ddx-lambda-'));
    blobDir = join(dataDir, 'blobs');
    const sqlitePath = join(dataDir, 'results.db');
    // Read by the handler on its first invocation, when it composes its dependencies. The
    // embedded backends are named, so a shell configured for AWS does not send the test there.
    Object.assign(process.env, {
      DDX_DATA_DIR: dataDir,
      DDX_BLOB_STORE: 'fs',
      DDX_BLOB_DIR: blobDir,
      DDX_RESULT_STORE: 'sqlite',
      DDX_SQLITE_PATH: sqlitePath,
      DDX_PROMPT_SOURCE: 'files',
      DDX_RECOMMENDER: 'knowledge-base',
      DDX_WEBHOOK_URL: receiver.url,
      DDX_WEBHOOK_SECRET: webhookSecret,
    });

    const metadata = JSON.parse(await readFile(`${sample}.meta.json`, 'utf8')) as Record<string, unknown>;
    const metadataPath = join(dataDir, 'upload.meta.json');
    await writeFile(
      metadataPath,
      JSON.stringify({
        ...metadata,
        notes: `${String(metadata.notes ?? '')} Seen by ${markers.notes}.`,
        patientName: markers.name,
        mrn: markers.patientId,
      }),
    );
    const blobStore = createLocalFolderBlobStore({ root: blobDir });
    await uploadImage(blobStore, { imagePath: sample, metadataPath, key });
    const head = await blobStore.head(key);

    event = JSON.parse(
      await readFile(join(packageRoot, 'test/fixtures/events/s3-put-encoded-key.json'), 'utf8'),
    ) as Record<string, unknown>;
    const [record] = event.Records as { s3: { bucket: { name: string }; object: Record<string, unknown> } }[];
    assert.ok(record);
    record.s3.bucket.name = 'local';
    record.s3.object = {
      key: encodeS3EventKey(key),
      size: head.size,
      eTag: head.etag?.replace(/"/g, ''),
      sequencer: '0065E5A1B2C3D4E5F6',
    };
    resultStore = createSqliteResultStore({ path: sqlitePath });
  });

  after(async () => {
    await receiver?.close();
    await resultStore?.close?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stores the record and the crop, and logs the request id but no patient data', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const { result, stdout, stderr } = await invoke(event, requestId);

    assert.equal(result, undefined, 'a direct S3 invocation returns nothing');
    const records = await resultStore.list();
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record?.status, 'succeeded', stderr);
    assert.deepEqual([record?.source.bucket, record?.source.key], ['local', key]);
    assert.equal(record?.trigger, 's3');
    assert.equal(record?.requestId, requestId);
    const cropKey = record?.localization?.cropKey;
    assert.ok(typeof cropKey === 'string' && cropKey.startsWith('derived/crops/'), 'a crop was saved');
    const stored = await createLocalFolderBlobStore({ root: blobDir }).head(cropKey);
    assert.equal(stored.contentType, 'image/jpeg', 'the crop is in the blob folder');

    assert.ok(stdout.includes(`"requestId":"${requestId}"`), 'the logs carry the request id');
    assert.match(stdout, /"Namespace":"DDxAssist".*"RecordsProcessed":1/, 'the metrics were flushed');
    const emf = stdout
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const step of ['load-context', 'fetch-image', 'route', 'localize', 'classify', 'recommend']) {
      const blob = emf.find((candidate) => candidate.step === step && 'StepDuration' in candidate);
      assert.ok(typeof blob?.StepDuration === 'number', `an EMF StepDuration for ${step}`);
    }
    assert.ok(emf.some((blob) => blob.RoiFound === 1 && blob.RecordsSucceeded === 1));
    for (const step of ['load-context', 'classify']) {
      assert.ok(
        stdout
          .split('\n')
          .some((line) => line.includes('"step finished"') && line.includes(`"step":"${step}"`)),
        `a log line for ${step} with its duration`,
      );
    }
    const logs = stdout + stderr;
    for (const [what, marker] of Object.entries(markers)) {
      assert.ok(!logs.includes(marker), `the logs do not contain the ${what}`);
    }
  });

  it("delivered the job's event before the invocation returned, and sweeps on the schedule's event", async () => {
    const [record] = await resultStore.list();
    assert.deepEqual(
      [...receiver.uniqueEvents().values()].map((received) => received.subject),
      [record?.id],
    );
    assert.ok(!receiver.received.some((request) => request.body.includes(markers.patientId)));
    const { result, stdout } = await invoke(outboxSweepEvent, `e2e-${randomUUID()}`);
    assert.equal(result, undefined);
    assert.match(stdout, /outbox swept/);
    assert.equal(receiver.received.length, 1, 'nothing was left to send');
  });

  it('answers a redelivery of the same event without writing again', async () => {
    const [before] = await resultStore.list();
    const { result } = await invoke(event, `e2e-${randomUUID()}`);
    assert.equal(result, undefined);
    const records = await resultStore.list();
    assert.equal(records.length, 1);
    assert.deepEqual(records[0], before);
  });

  it('answers an SQS test event with an empty partial batch response', async () => {
    const testEvent = JSON.parse(
      await readFile(join(packageRoot, 'test/fixtures/events/sqs-s3-test-event.json'), 'utf8'),
    );
    const { result } = await invoke(testEvent, `e2e-${randomUUID()}`);
    assert.deepEqual(result, { batchItemFailures: [] });
  });

  it('ends a job with too little time left as a retriable failure that Lambda retries, and the retry succeeds', async () => {
    const blobStore = createLocalFolderBlobStore({ root: blobDir });
    const lateKey = 'uploads/late/lesion.jpg';
    await uploadImage(blobStore, { imagePath: sample, metadataPath: `${sample}.meta.json`, key: lateKey });
    const head = await blobStore.head(lateKey);
    const lateEvent = s3Notification([
      {
        bucket: 'local',
        encodedKey: encodeS3EventKey(lateKey),
        etag: head.etag?.replace(/"/g, ''),
        size: head.size,
      },
    ]);
    // 5.3 s left and 5 s kept back (DDX_DEADLINE_MARGIN_MS): 300 ms, less than a step may start with.
    const late = invoke(lateEvent, `e2e-${randomUUID()}`, 5_300);
    await assert.rejects(late, { name: 'TransientFailuresError' });
    const failed = (await resultStore.list()).find((record) => record.source.key === lateKey);
    assert.deepEqual(
      [failed?.status, failed?.error?.code, failed?.error?.retriable],
      ['failed', 'DEADLINE_EXCEEDED', true],
    );
    assert.match(failed?.error?.message ?? '', /too little time left/);

    const { result } = await invoke(lateEvent, `e2e-${randomUUID()}`);
    assert.equal(result, undefined);
    assert.equal((await resultStore.get(failed?.id ?? ''))?.status, 'succeeded', 'the retry replaced it');
  });
});
