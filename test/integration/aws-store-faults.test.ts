/**
 * The S3 and DynamoDB adapters against real protocol servers (s3rver, dynalite) behind a fault
 * proxy: each cell injects one kind of trouble into one operation and checks what the retry policy
 * made of it, counting the attempts that reached the wire.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createS3BlobStore } from '../../src/adapters/blob-store/s3.js';
import { createDynamoDbResultStore } from '../../src/adapters/result-store/dynamodb.js';
import { DdxError } from '../../src/errors.js';
import type { BlobStore, ResultStore } from '../../src/ports.js';
import { createDynaliteClient, type RunningDynalite, startDynalite } from '../support/dynalite.js';
import {
  dynamoDbError,
  type Fault,
  type FaultProxy,
  type ProxiedRequest,
  s3Error,
  startFaultProxy,
} from '../support/fault-proxy.js';
import { sampleRecord } from '../support/records.js';
import { createS3rverClient, type RunningS3rver, startS3rver } from '../support/s3rver.js';

/**
 * The per-attempt timeout is what ends a hung request, and it also bounds every healthy one: it
 * is set well above what s3rver and dynalite need on a machine with every core busy, so that the
 * tests count attempts and outcomes, never how fast an emulator answered.
 */
const faultPolicy = { attempts: 3, timeoutMs: 1_500, baseDelayMs: 1, maxDelayMs: 5 };

/** One operation of one adapter: which requests it sends, and a run that checks its result. */
interface Operation {
  name: string;
  sends: (request: ProxiedRequest) => boolean;
  runAndCheck: () => Promise<void>;
}

type Expectation = { succeeds: true } | { succeeds: false; code: string; retriable: boolean };

interface Cell {
  name: string;
  fault: Fault;
  times: number;
  expect: Expectation;
  tries: number;
}

function faultCells(errors: { throttle: Fault; serverError: Fault; accessDenied: Fault }): Cell[] {
  const recovered: Expectation = { succeeds: true };
  return [
    {
      name: 'throttling: retried, then succeeded',
      fault: errors.throttle,
      times: 1,
      expect: recovered,
      tries: 2,
    },
    {
      name: 'HTTP 500: retried, then succeeded',
      fault: errors.serverError,
      times: 1,
      expect: recovered,
      tries: 2,
    },
    {
      name: 'three HTTP 500s: a retriable failure after exactly `attempts` tries',
      fault: errors.serverError,
      times: 3,
      expect: { succeeds: false, code: 'STORAGE_ERROR', retriable: true },
      tries: 3,
    },
    {
      name: 'access denied: failed at once, not retriable',
      fault: errors.accessDenied,
      times: 1,
      expect: { succeeds: false, code: 'STORAGE_ERROR', retriable: false },
      tries: 1,
    },
    {
      name: 'connection reset: retried, then succeeded',
      fault: { kind: 'reset' },
      times: 1,
      expect: recovered,
      tries: 2,
    },
    {
      name: 'no answer: timed out, retried, succeeded',
      fault: { kind: 'hang' },
      times: 1,
      expect: recovered,
      tries: 2,
    },
  ];
}

function runCells(proxy: () => FaultProxy, operations: Operation[], cells: Cell[]): void {
  for (const operation of operations) {
    describe(operation.name, () => {
      for (const cell of cells) {
        it(cell.name, async () => {
          proxy().inject(cell.fault, { times: cell.times, when: operation.sends });
          if (cell.expect.succeeds) {
            await operation.runAndCheck();
          } else {
            const { code, retriable } = cell.expect;
            await assert.rejects(
              operation.runAndCheck(),
              (error: unknown) =>
                error instanceof DdxError && error.code === code && error.retriable === retriable,
            );
          }
          const tries = proxy().seen.filter(operation.sends);
          assert.equal(tries.length, cell.tries);
          assert.equal(tries[0]?.outcome, cell.fault.kind);
        });
      }
    });
  }
}

const isSidecar = (request: ProxiedRequest) => request.path.includes('.meta.json');

describe('S3 blob store through faults', () => {
  let s3: RunningS3rver;
  let proxy: FaultProxy;
  let store: BlobStore;
  const seeded = Buffer.from('seeded image bytes');
  let putCount = 0;

  before(async () => {
    s3 = await startS3rver();
    proxy = await startFaultProxy(s3.endpoint);
    store = createS3BlobStore({
      bucket: s3.bucket,
      client: createS3rverClient(proxy.url),
      policy: faultPolicy,
    });
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'uploads/seeded.jpg',
        Body: seeded,
        ContentType: 'image/jpeg',
      }),
    );
  });
  after(async () => {
    await proxy.close();
    await s3.close();
  });
  beforeEach(() => proxy.reset());

  const storedBytes = async (key: string) => {
    const output = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return Buffer.from((await output.Body?.transformToByteArray()) ?? []);
  };

  runCells(
    () => proxy,
    [
      {
        name: 'GetObject',
        sends: (request) => request.method === 'GET' && !isSidecar(request),
        runAndCheck: async () => {
          assert.deepEqual(Buffer.from(await store.get('uploads/seeded.jpg', { maxBytes: 1000 })), seeded);
        },
      },
      {
        name: 'HeadObject',
        sends: (request) => request.method === 'HEAD',
        runAndCheck: async () => {
          assert.equal((await store.head('uploads/seeded.jpg')).size, seeded.length);
        },
      },
      {
        name: 'PutObject',
        sends: (request) => request.method === 'PUT',
        runAndCheck: async () => {
          const key = `derived/crops/put-${++putCount}.jpg`;
          const body = Buffer.from(`crop ${putCount}`);
          await store.put(key, body, { contentType: 'image/jpeg' });
          assert.deepEqual(await storedBytes(key), body);
        },
      },
    ],
    faultCells({
      throttle: s3Error(503, 'SlowDown'),
      serverError: s3Error(500, 'InternalError'),
      accessDenied: s3Error(403, 'AccessDenied'),
    }),
  );

  it('refuses an object whose ContentLength is over maxBytes without reading its body', async () => {
    // The proxy sends the head of a 10 MB object and then nothing: reading the body would end in a
    // DEPENDENCY_TIMEOUT, retried, instead of this error.
    proxy.inject({
      kind: 'respond',
      status: 200,
      headers: { 'content-type': 'image/jpeg', 'content-length': String(10 * 1024 * 1024), etag: '"big"' },
      holdBody: true,
    });
    await assert.rejects(store.get('uploads/seeded.jpg', { maxBytes: 1024 }), {
      code: 'OBJECT_TOO_LARGE',
      retriable: false,
    });
    assert.equal(proxy.seen.length, 1);
  });

  it('stops reading at maxBytes when the answer declares no length', async () => {
    proxy.inject({
      kind: 'respond',
      status: 200,
      headers: { 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' },
      body: 'x'.repeat(4096),
    });
    await assert.rejects(store.get('uploads/seeded.jpg', { maxBytes: 1024 }), { code: 'OBJECT_TOO_LARGE' });
  });

  it('reports a missing object as OBJECT_NOT_FOUND without retrying', async () => {
    await assert.rejects(store.get('uploads/missing.jpg', { maxBytes: 10 }), { code: 'OBJECT_NOT_FOUND' });
    await assert.rejects(store.head('uploads/missing.jpg'), { code: 'OBJECT_NOT_FOUND' });
    assert.equal(proxy.seen.filter((request) => !isSidecar(request)).length, 2);
  });

  it('ends at the job deadline, mid-request, without retrying', async () => {
    proxy.inject({ kind: 'hang' });
    // DEADLINE_EXCEEDED, not DEPENDENCY_TIMEOUT: the job's signal ended the call, long before the
    // attempt's own timeout would have, and nothing was retried after it.
    await assert.rejects(
      store.get('uploads/seeded.jpg', { maxBytes: 1000, signal: AbortSignal.timeout(50) }),
      {
        code: 'DEADLINE_EXCEEDED',
      },
    );
    assert.equal(proxy.seen.length, 1);
  });

  it('sends keys with spaces, unicode and plus signs percent-encoded and stores them as they are', async () => {
    const key = 'uploads/patient photos/läsion 1 (2)+b.jpg';
    await store.put(key, Buffer.from('unicode'), { contentType: 'image/jpeg' });
    assert.equal((await store.head(key)).size, 7);
    assert.equal(Buffer.from(await store.get(key, { maxBytes: 100 })).toString(), 'unicode');

    const put = proxy.seen.find((request) => request.method === 'PUT');
    assert.match(put?.path ?? '', /\/patient%20photos\/l%C3%A4sion%201%20%282%29%2Bb\.jpg/);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'uploads/patient' }),
    );
    assert.deepEqual(
      listed.Contents?.map((object) => object.Key),
      [key],
    );
  });
});

describe('DynamoDB result store through faults', () => {
  let dynamo: RunningDynalite;
  let proxy: FaultProxy;
  let store: ResultStore;
  let direct: ResultStore;
  let saveCount = 0;
  const seededRecord = sampleRecord({ key: 'uploads/seeded-record.jpg' });

  before(async () => {
    dynamo = await startDynalite();
    proxy = await startFaultProxy(dynamo.endpoint);
    store = createDynamoDbResultStore({
      table: dynamo.table,
      client: createDynaliteClient(proxy.url),
      policy: faultPolicy,
    });
    direct = createDynamoDbResultStore({ table: dynamo.table, client: dynamo.client });
    await direct.save(seededRecord);
  });
  after(async () => {
    await proxy.close();
    await dynamo.close();
  });
  beforeEach(() => proxy.reset());

  const operation = (name: string) => (request: ProxiedRequest) =>
    request.headers['x-amz-target'] === `DynamoDB_20120810.${name}`;

  runCells(
    () => proxy,
    [
      {
        name: 'save (PutItem)',
        sends: operation('PutItem'),
        runAndCheck: async () => {
          const record = sampleRecord({ key: `uploads/save-${++saveCount}.jpg` });
          assert.deepEqual(await store.save(record), { written: true });
          assert.deepEqual(await direct.get(record.id), record);
        },
      },
      {
        name: 'get (GetItem)',
        sends: operation('GetItem'),
        runAndCheck: async () => {
          assert.deepEqual(await store.get(seededRecord.id), seededRecord);
        },
      },
    ],
    faultCells({
      throttle: dynamoDbError(400, 'ProvisionedThroughputExceededException'),
      serverError: dynamoDbError(500, 'InternalServerError'),
      // DynamoDB answers AccessDeniedException with HTTP 400, not 403.
      accessDenied: dynamoDbError(400, 'AccessDeniedException'),
    }),
  );

  it('types throttling as THROTTLED', async () => {
    proxy.inject(dynamoDbError(400, 'ProvisionedThroughputExceededException'), { times: 3 });
    await assert.rejects(store.get(seededRecord.id), { code: 'THROTTLED', retriable: true });
    assert.equal(proxy.seen.length, 3);
  });

  it('recognises its own write when the answer to it was lost', async () => {
    const record = sampleRecord({ key: 'uploads/lost-answer.jpg' });
    proxy.inject({ kind: 'drop-response' }, { when: operation('PutItem') });
    assert.deepEqual(await store.save(record, { patient: { patientId: 'MRN-LOST' } }), { written: true });
    assert.deepEqual(
      proxy.seen.map((request) => [request.headers['x-amz-target'], request.outcome]),
      [
        ['DynamoDB_20120810.PutItem', 'drop-response'],
        ['DynamoDB_20120810.PutItem', 'forwarded'],
        ['DynamoDB_20120810.GetItem', 'forwarded'],
        ['DynamoDB_20120810.PutItem', 'forwarded'],
      ],
    );
    const patient = await dynamo.client.send(
      new GetCommand({ TableName: dynamo.table, Key: { id: `patient#${record.id}` } }),
    );
    assert.deepEqual(patient.Item?.identifiers, { patientId: 'MRN-LOST' });
  });

  it('reports a missing table as a storage error, not retried', async () => {
    const missing = createDynamoDbResultStore({
      table: 'no-such-table',
      client: createDynaliteClient(proxy.url),
      policy: faultPolicy,
    });
    await assert.rejects(missing.get('rec_x'), { code: 'STORAGE_ERROR', retriable: false });
    assert.equal(proxy.seen.length, 1);
  });
});
