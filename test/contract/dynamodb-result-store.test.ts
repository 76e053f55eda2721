import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createS3BlobStore } from '../../src/adapters/blob-store/s3.js';
import { createDynamoDbResultStore } from '../../src/adapters/result-store/dynamodb.js';
import {
  maxInlineRecordBytes,
  patientItemId,
  resultTableKeys,
} from '../../src/adapters/result-store/dynamodb-table.js';
import type { Detection } from '../../src/domain.js';
import type { ResultStore } from '../../src/ports.js';
import type { InferenceRecord } from '../../src/record.js';
import { type RunningDynalite, startDynalite } from '../support/dynalite.js';
import { sampleRecord } from '../support/records.js';
import { type RunningS3rver, startS3rver } from '../support/s3rver.js';
import { resultStoreContract } from './result-store.contract.js';

const testPolicy = { attempts: 3, timeoutMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 };

resultStoreContract('DynamoDB (dynalite)', async () => {
  const dynamo = await startDynalite();
  return {
    store: createDynamoDbResultStore({ table: dynamo.table, client: dynamo.client, policy: testPolicy }),
    cleanup: () => dynamo.close(),
  };
});

/** A record over DynamoDB's 400 KB item limit: a detector that found thousands of boxes. */
function oversizedRecord(key: string): InferenceRecord {
  const detections: Detection[] = Array.from({ length: 4_500 }, (_, index) => ({
    box: { x: index, y: index * 2, width: 31.25, height: 17.5 },
    confidence: 0.123456789,
    label: `lesion-candidate-${index}`,
  }));
  return sampleRecord({
    key,
    localization: {
      detector: { id: 'lesion-detector', version: '3', status: 'demo' },
      detections,
      roi: null,
      cropKey: null,
      note: 'many candidates',
    },
  });
}

describe('DynamoDB result store: table layout', () => {
  let dynamo: RunningDynalite;
  let s3: RunningS3rver;
  let store: ResultStore;
  const scanAll = async () =>
    (await dynamo.client.send(new ScanCommand({ TableName: dynamo.table }))).Items ?? [];

  before(async () => {
    [dynamo, s3] = await Promise.all([startDynalite(), startS3rver()]);
    store = createDynamoDbResultStore({
      table: dynamo.table,
      client: dynamo.client,
      policy: testPolicy,
      overflow: {
        blobStore: createS3BlobStore({ bucket: s3.bucket, client: s3.client }),
        prefix: 'derived/',
      },
    });
  });
  after(async () => {
    await Promise.all([dynamo.close(), s3.close()]);
  });

  it('names itself', () => {
    assert.equal(store.name, 'dynamodb');
  });

  it('keeps patient identifiers in their own item, outside the status index', async () => {
    const record = sampleRecord({ key: 'uploads/identified.jpg' });
    await store.save(record, {
      patient: { name: 'Zelda Marker-Quill', patientId: 'MRN-1', dateOfBirth: undefined },
    });

    const patientItem = (
      await dynamo.client.send(
        new GetCommand({ TableName: dynamo.table, Key: { id: patientItemId(record.id) } }),
      )
    ).Item;
    assert.deepEqual(patientItem, {
      id: patientItemId(record.id),
      identifiers: { name: 'Zelda Marker-Quill', patientId: 'MRN-1' },
    });
    const recordItem = (
      await dynamo.client.send(new GetCommand({ TableName: dynamo.table, Key: { id: record.id } }))
    ).Item;
    assert.ok(recordItem && !JSON.stringify(recordItem).includes('Zelda'));

    // The index holds record items only.
    const indexed = [];
    for (const status of ['succeeded', 'degraded', 'failed']) {
      const { Items = [] } = await dynamo.client.send(
        new QueryCommand({
          TableName: dynamo.table,
          IndexName: resultTableKeys.statusIndex.name,
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
        }),
      );
      indexed.push(...Items);
    }
    assert.ok(indexed.length > 0);
    assert.ok(indexed.every((item) => !String(item.id).startsWith('patient#')));
    assert.equal(await store.get(patientItemId(record.id)), undefined);
    assert.ok(!JSON.stringify(await store.list({ limit: 100 })).includes('Zelda'));
  });

  it('does not store identifiers when the record was already there', async () => {
    const record = sampleRecord({ key: 'uploads/identified-twice.jpg' });
    await store.save(record);
    const outcome = await store.save(
      { ...record, updatedAt: '2026-11-28T12:00:00.000Z' },
      { patient: { name: 'Late Arrival' } },
    );
    assert.equal(outcome.written, false);
    assert.ok(!JSON.stringify(await scanAll()).includes('Late Arrival'));
  });

  it('writes a record over the item limit to the overflow store and reads it back whole', async () => {
    const record = oversizedRecord('uploads/many-boxes.jpg');
    assert.ok(Buffer.byteLength(JSON.stringify(record)) > 400 * 1024);

    assert.deepEqual(await store.save(record), { written: true });
    const item = (
      await dynamo.client.send(new GetCommand({ TableName: dynamo.table, Key: { id: record.id } }))
    ).Item;
    assert.equal(item?.record, undefined);
    assert.match(String(item?.recordRef), new RegExp(`^derived/records/${record.id}/[0-9a-f]{32}\\.json$`));
    assert.deepEqual(await store.get(record.id), record);
    assert.deepEqual(
      (await store.list({ limit: 100 })).find((listed) => listed.id === record.id),
      record,
    );
    // A conflicting save reads the stored overflow record back, not the loser's.
    const loser = { ...record, requestId: 'request-2' };
    const outcome = await store.save(loser);
    assert.ok(!outcome.written);
    assert.equal(outcome.existing.requestId, record.requestId);
  });

  it('refuses a record over the item limit when no overflow store is configured', async () => {
    const withoutOverflow = createDynamoDbResultStore({
      table: dynamo.table,
      client: dynamo.client,
      policy: testPolicy,
    });
    const record = oversizedRecord('uploads/too-many-boxes.jpg');
    await assert.rejects(withoutOverflow.save(record), { code: 'STORAGE_ERROR', retriable: false });
    assert.equal(await store.get(record.id), undefined);
  });

  it('keeps records up to the inline budget in the item itself', async () => {
    const record = sampleRecord({ key: 'uploads/inline.jpg' });
    const padding = maxInlineRecordBytes - Buffer.byteLength(JSON.stringify(record)) - 100;
    const atBudget = { ...record, requestId: 'r'.repeat(padding) };
    await store.save(atBudget);
    const item = (
      await dynamo.client.send(new GetCommand({ TableName: dynamo.table, Key: { id: record.id } }))
    ).Item;
    assert.equal(typeof item?.record, 'string');
    assert.deepEqual(await store.get(record.id), atBudget);
  });

  it('lists past a page boundary to fill the limit', async () => {
    // A Query page stops once it holds 1 MB: three records of ~345 KB fill it, the fourth is on page two.
    const large = Array.from({ length: 4 }, (_, index) =>
      sampleRecord({
        key: `uploads/page-${index}.jpg`,
        status: 'degraded',
        createdAt: `2040-01-0${index + 1}T00:00:00.000Z`,
        requestId: 'p'.repeat(345 * 1024),
      }),
    );
    for (const record of large) await store.save(record);
    const listed = await store.list({ status: 'degraded', limit: 4 });
    assert.deepEqual(
      listed.map((record) => record.id),
      large.map((record) => record.id).reverse(),
    );
  });
});
