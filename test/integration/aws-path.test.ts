/**
 * The production path end to end, without an AWS account: s3rver as S3, dynalite as DynamoDB, and
 * `ddx serve-models` (the real CLI) as both the SageMaker runtime and the Roboflow detect API. The
 * bundled Lambda handler (the esbuild output the CDK stack deploys) is invoked in a fresh node with
 * a real-shaped S3 event and an SQS-wrapped one; the records are read back from dynalite and the
 * crop from s3rver.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bundledFileEnvironment, lambdaBundleLayout } from '../../infra/lambda-bundle.js';
import { createDynamoDbResultStore } from '../../src/adapters/result-store/dynamodb.js';
import { packageRoot } from '../../src/config.js';
import type { InferenceRecord } from '../../src/record.js';
import { type RunningDynalite, startDynalite } from '../support/dynalite.js';
import { type ModelServerProcess, startModelServerProcess } from '../support/model-server-process.js';
import { runNode } from '../support/run-node.js';
import { type RunningS3rver, startS3rver } from '../support/s3rver.js';
import { encodeS3EventKey, s3EventRecord, s3TestEvent, sqsBatch } from '../support/trigger-events.js';

const bucket = 'ddx-images';
const table = 'ddx-results';

describe('the bundled Lambda on loopback S3, DynamoDB, SageMaker and Roboflow', () => {
  let workspace: string;
  let s3: RunningS3rver;
  let dynamo: RunningDynalite;
  let modelServer: ModelServerProcess;
  let bundle: string;
  let routes: string;

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'ddx-aws-path-'));
    bundle = join(workspace, 'bundle');
    [s3, dynamo, modelServer] = await Promise.all([
      startS3rver(bucket),
      startDynalite(table),
      startModelServerProcess(),
      runNode(['--import', 'tsx', join(packageRoot, 'scripts/bundle-lambda.ts'), '--out-dir', bundle], {
        cwd: packageRoot,
        timeout: 180_000,
      }),
    ]);
    // Localized lesions: Roboflow finds the lesion, a SageMaker endpoint classifies the crop.
    // Widespread rashes: a SageMaker endpoint taking JSON classifies the whole image.
    routes = join(workspace, 'routes.yaml');
    const card = (id: string) => join(packageRoot, 'models', `${id}.card.json`);
    await writeFile(
      routes,
      `models:
  lesion-detector: { kind: roboflow, project: lesion-detector, version: 1, card: ${card('lesion-detector')} }
  lesion-classifier: { kind: sagemaker, endpoint: lesion-classifier, card: ${card('lesion-classifier')} }
  rash-classifier: { kind: sagemaker, endpoint: rash-classifier, contentType: application/json, card: ${card('rash-classifier')} }
routes:
  - { name: localized-lesion, when: { extent: localized }, detector: lesion-detector, classifier: lesion-classifier, prompt: ddx-recommendations }
  - { name: widespread-rash, when: { extent: widespread }, classifier: rash-classifier, prompt: ddx-recommendations }
`,
    );
  });

  after(async () => {
    await Promise.all([modelServer?.stop(), s3?.close(), dynamo?.close()]);
    await rm(workspace, { recursive: true, force: true });
  });

  const upload = async (key: string, sample: string, metadata: Record<string, string>) => {
    const body = await readFile(join(packageRoot, 'samples', sample));
    const put = await s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'image/jpeg',
        Metadata: metadata,
      }),
    );
    return { size: body.length, etag: (put.ETag ?? '').replace(/"/g, '') };
  };

  const invoke = async (event: unknown): Promise<unknown> => {
    const eventFile = join(workspace, `event-${Date.now()}.json`);
    await writeFile(eventFile, JSON.stringify(event));
    const probe = join(workspace, 'invoke.mjs');
    await writeFile(
      probe,
      `import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const { handler } = await import(pathToFileURL(process.argv[2]).href);
const event = JSON.parse(await readFile(process.argv[3], 'utf8'));
const context = { awsRequestId: 'req-' + Date.now(), functionName: 'ddx', getRemainingTimeInMillis: () => 90000 };
const response = await handler(event, context);
process.stdout.write('\\nRESPONSE ' + JSON.stringify(response ?? null) + '\\n');
`,
    );
    const { stdout } = await runNode([probe, join(bundle, lambdaBundleLayout.entryFile), eventFile], {
      cwd: workspace,
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        HOME: workspace,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: modelServer.url,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        ROBOFLOW_API_URL: modelServer.url,
        ROBOFLOW_API_KEY: 'loopback-key',
        DDX_BLOB_STORE: 's3',
        DDX_BUCKET: bucket,
        DDX_S3_FORCE_PATH_STYLE: 'true',
        DDX_RESULT_STORE: 'dynamodb',
        DDX_TABLE: table,
        ...bundledFileEnvironment(bundle),
        DDX_ROUTES: routes,
        POWERTOOLS_METRICS_NAMESPACE: 'DDxAssistTest',
      },
    });
    const line = stdout.split('\n').find((text) => text.startsWith('RESPONSE '));
    assert.ok(line, `the handler answered:\n${stdout.slice(-2000)}`);
    return JSON.parse(line.slice('RESPONSE '.length));
  };

  const storedRecord = async (key: string): Promise<InferenceRecord> => {
    const store = createDynamoDbResultStore({ table, client: dynamo.client });
    const record = (await store.list({ limit: 100 })).find((candidate) => candidate.source.key === key);
    assert.ok(record, `a record for ${key} is in DynamoDB`);
    return record;
  };

  it('processes a direct S3 notification: Roboflow box, crop in S3, SageMaker classification, record in DynamoDB', async () => {
    const key = 'uploads/clinic 7/läsion rücken (1).jpg';
    const { size, etag } = await upload(key, 'localized-melanoma-back.jpg', {
      extent: 'localized',
      'body-site': 'back',
      age: '61',
    });
    const encodedKey = encodeS3EventKey(key);
    const response = await invoke({
      Records: [s3Record(encodedKey, size, etag, '2001:db8::7')],
    });
    assert.equal(response, null);

    const record = await storedRecord(key);
    assert.equal(record.status, 'succeeded');
    assert.equal(record.route?.name, 'localized-lesion');
    assert.ok(record.localization?.roi, 'Roboflow found the lesion');
    assert.equal(record.classification?.input, 'crop');
    assert.equal(record.classification?.labels[0]?.label, 'melanoma');
    assert.equal(record.context?.bodySite, 'back');
    const cropKey = record.localization.cropKey;
    assert.ok(cropKey);
    const crop = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: cropKey }));
    assert.equal(crop.ContentType, 'image/jpeg');
    assert.equal(crop.Metadata?.['record-id'], record.id);

    // Redelivery: nothing new is written.
    const again = await invoke({ Records: [s3Record(encodedKey, size, etag, '198.51.100.4')] });
    assert.equal(again, null);
    assert.deepEqual(await storedRecord(key), record);
  });

  it('processes an SQS batch with a partial batch response: the test event skipped, the rash classified', async () => {
    const key = 'uploads/rash 2.jpg';
    const { size, etag } = await upload(key, 'widespread-psoriasis-trunk.jpg', { extent: 'widespread' });
    const response = await invoke(
      sqsBatch(
        [
          s3TestEvent(bucket),
          { Records: [s3Record('uploads/rash+2.jpg', size, etag, '203.0.113.9')] },
          { Records: [s3Record('uploads/never-uploaded.jpg', 100, 'abc', '203.0.113.9')] },
        ].map((body) => JSON.stringify(body)),
      ),
    );
    // The missing object is bad input (a failed record), not a retry.
    assert.deepEqual(response, { batchItemFailures: [] });
    const record = await storedRecord(key);
    assert.equal(record.status, 'succeeded');
    assert.equal(record.route?.name, 'widespread-rash');
    assert.equal(record.classification?.labels[0]?.label, 'plaque-psoriasis');
    const missing = await storedRecord('uploads/never-uploaded.jpg');
    assert.deepEqual([missing.status, missing.error?.code], ['failed', 'OBJECT_NOT_FOUND']);
  });
});

function s3Record(encodedKey: string, size: number, etag: string, sourceIPAddress: string) {
  return s3EventRecord({ bucket, encodedKey, size, etag, sourceIPAddress });
}
