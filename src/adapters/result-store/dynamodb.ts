/**
 * ResultStore on DynamoDB, the production twin of SQLite (table design: dynamodb-table.ts). A record
 * is stored as its JSON text, so it comes back exactly as written; status and times sit beside it
 * for the conditional write and the `by-status` index. A record too large for one item (400 KB)
 * goes to an overflow BlobStore and the item keeps a reference. Every call goes through
 * `withRetry`, so the client is created with the SDK's own retries off (`maxAttempts: 1`). The
 * events of a save go to outbox items in the same table, staged before the record and confirmed
 * after it (dynamodb-outbox-items.ts), so none is lost however the writer dies.
 *
 * @example
 * const store = createDynamoDbResultStore({
 *   table: 'ddx-results',
 *   overflow: { blobStore: createS3BlobStore({ bucket: 'ddx-derived' }), prefix: 'derived/' },
 * });
 * const outcome = await store.save(record, { patient, signal });
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PatientIdentifiers } from '../../domain.js';
import { DdxError, DependencyError, InputErrorCode, ServiceErrorCode } from '../../errors.js';
import type {
  BlobStore,
  CallOptions,
  ListOptions,
  PageQuery,
  RecordPage,
  ResultStore,
  SaveOptions,
  SaveOutcome,
} from '../../ports.js';
import { type InferenceRecord, RecordStatus } from '../../record.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../resilience/retry.js';
import { awsError, awsErrorName, dynamoDbErrors } from '../shared/aws/aws-errors.js';
import {
  confirmOutboxItems,
  dropStagedItem,
  outboxItemIds,
  outboxItemPrefix,
  stageOutboxItems,
} from './dynamodb-outbox-items.js';
import {
  claimItemId,
  claimItemPrefix,
  maxInlineRecordBytes,
  patientItemId,
  patientItemPrefix,
  resultTableKeys,
  timeToLiveAttribute,
} from './dynamodb-table.js';
import { decodeCursor, isAfter, matchesPage, pageOf, pageOrder } from './record-page-cursor.js';

export interface DynamoDbResultStoreSettings {
  table: string;
  /** A configured client (custom endpoint, tests); by default one is created with SDK retries off. */
  client?: DynamoDBClient;
  region?: string;
  policy?: RetryPolicy;
  /** Where records over the item size budget are written (`<prefix>records/<id>/<sha256>.json`). */
  overflow?: { blobStore: BlobStore; prefix: string };
}

/** A record item as stored: the record inline, or a reference to its overflow object. */
interface RecordItem {
  id: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  record?: string;
  recordRef?: string;
}

/** Overflow records are read back whole; this only guards against a wrong reference. */
const maxOverflowRecordBytes = 64 * 1024 * 1024;
const defaultListLimit = 50;

/** One table's connection: the document client, the retrying call, the overflow store. */
interface Table {
  name: string;
  documents: DynamoDBDocumentClient;
  overflow: DynamoDbResultStoreSettings['overflow'];
  call<T>(
    operation: string,
    signal: AbortSignal | undefined,
    attempt: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T>;
}

const { partitionKey, statusIndex } = resultTableKeys;

export function createDynamoDbResultStore(settings: DynamoDbResultStoreSettings): ResultStore {
  const ownsClient = settings.client === undefined;
  const client = settings.client ?? new DynamoDBClient({ region: settings.region, maxAttempts: 1 });
  const policy = settings.policy ?? defaultRetryPolicy;
  const table: Table = {
    name: settings.table,
    documents: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    overflow: settings.overflow,
    call: (operation, signal, attempt) =>
      withRetry(attempt, {
        policy,
        signal,
        operation: `DynamoDB ${operation}`,
        toError: (error) => awsError(dynamoDbErrors, error, `DynamoDB ${operation} on ${settings.table}`),
      }),
  };

  return {
    name: 'dynamodb',
    save: (record, options) => saveRecord(table, record, options),
    claim: (id, options) => claimRecord(table, id, options),
    release: (id, owner, options) => releaseClaim(table, id, owner, options?.signal),
    async get(id, options?: CallOptions) {
      // Identifiers, claims and outbox entries share the key space: never hand them out as records.
      if (!isRecordKey(id)) return undefined;
      const item = await readItem(table, id, options?.signal);
      return item ? recordOf(table, item, options?.signal) : undefined;
    },
    patientIdentifiers: (recordId, options) => readPatient(table, recordId, options?.signal),
    list: (options) => listRecords(table, options),
    listPage: (query) => listRecordPage(table, query),
    async close() {
      if (ownsClient) client.destroy();
    },
  };
}

async function saveRecord(
  table: Table,
  record: InferenceRecord,
  options?: SaveOptions,
): Promise<SaveOutcome> {
  const signal = options?.signal;
  const events = options?.events ?? [];
  // 1 stage the events (drains do not see them yet), 2 the record (the commit point), 3 confirm.
  const stagedBy = events.length > 0 ? await stageOutboxItems(table, events, new Date(), signal) : undefined;
  const json = JSON.stringify(record);
  const item = await itemFor(table, record, json, signal);
  const condition: Pick<
    PutCommandInput,
    'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  > =
    options?.replacing === undefined
      ? {
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': partitionKey },
        }
      : {
          ConditionExpression: '#updatedAt = :replacing',
          ExpressionAttributeNames: { '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: { ':replacing': options.replacing },
        };
  const written = await conditionalPut(table, { Item: { ...item }, ...condition }, signal);
  if (!written) {
    // dynalite ignores ReturnValuesOnConditionCheckFailure, and real DynamoDB would not
    // resolve an overflow reference anyway: read the winner back.
    const stored = await readItem(table, record.id, signal);
    const existing = stored ? await recordOf(table, stored, signal) : undefined;
    if (!existing) throw new Error(`record ${record.id} was replaced concurrently and then removed`);
    // A retry after a lost answer finds its own write: that is a success, not a conflict.
    if (JSON.stringify(existing) !== json) {
      // The record was not written: neither are its events (a crash here leaves them to `recover`).
      await Promise.all(
        outboxItemIds(events).map((id) => dropStagedItem(table, id, stagedBy, signal).catch(() => false)),
      );
      return { written: false, existing };
    }
  }
  await savePatient(table, record.id, options?.patient, signal);
  // The record is stored whatever happens next: entries left staged are confirmed by `recover`.
  if (events.length > 0) await confirmOutboxItems(table, events, new Date(), signal).catch(() => 0);
  return { written: true };
}

/** A PutItem whose condition may fail: false when it did (another writer got there first). */
function conditionalPut(
  table: Table,
  input: Omit<PutCommandInput, 'TableName'>,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  return table.call('PutItem', signal, async (abortSignal) => {
    try {
      await table.documents.send(new PutCommand({ TableName: table.name, ...input }), { abortSignal });
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  });
}

function claimRecord(
  table: Table,
  id: string,
  { owner, leaseMs, signal }: { owner: string; leaseMs: number } & CallOptions,
): Promise<boolean> {
  const now = Date.now();
  const expiresAt = now + leaseMs;
  return conditionalPut(
    table,
    {
      Item: {
        [partitionKey]: claimItemId(id),
        owner,
        expiresAt,
        [timeToLiveAttribute]: Math.ceil(expiresAt / 1000),
      },
      // Free, expired (its run crashed), or already ours (a renewal).
      ConditionExpression: 'attribute_not_exists(#id) OR #expiresAt < :now OR #owner = :owner',
      ExpressionAttributeNames: { '#id': partitionKey, '#expiresAt': 'expiresAt', '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': now, ':owner': owner },
    },
    signal,
  );
}

async function releaseClaim(table: Table, id: string, owner: string, signal?: AbortSignal): Promise<void> {
  await table.call('DeleteItem', signal, async (abortSignal) => {
    try {
      await table.documents.send(
        new DeleteCommand({
          TableName: table.name,
          Key: { [partitionKey]: claimItemId(id) },
          // Only the holder gives a claim back; a taken-over claim is no longer ours.
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
        { abortSignal },
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  });
}

/** Identifiers, claims, outbox entries, tokens and audit entries share the key space with records. */
function isRecordKey(id: string): boolean {
  return ![patientItemPrefix, claimItemPrefix, outboxItemPrefix, 'token#', 'audit#'].some((prefix) =>
    id.startsWith(prefix),
  );
}

async function listRecords(table: Table, options?: ListOptions & CallOptions): Promise<InferenceRecord[]> {
  const limit = options?.limit ?? defaultListLimit;
  if (limit < 1) return [];
  const statuses = options?.status ? [options.status] : Object.values(RecordStatus);
  const perStatus = await Promise.all(
    statuses.map((status) => newestWithStatus(table, status, limit, options?.signal)),
  );
  const newest = perStatus
    .flat()
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
    .slice(0, limit);
  return Promise.all(newest.map((item) => recordOf(table, item, options?.signal)));
}

/**
 * A worklist page: each status's records from the cursor on (the by-status index, newest first),
 * filtered here (verdict and review state are inside the record), merged into page order.
 */
async function listRecordPage(table: Table, query: PageQuery & CallOptions): Promise<RecordPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const statuses = query.status ? [query.status] : Object.values(RecordStatus);
  const perStatus = await Promise.all(
    statuses.map(async (status) => {
      const found: InferenceRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const output = await table.call('Query', query.signal, (abortSignal) =>
          table.documents.send(
            new QueryCommand({
              TableName: table.name,
              IndexName: statusIndex.name,
              KeyConditionExpression: after ? '#status = :status AND #time <= :time' : '#status = :status',
              ExpressionAttributeNames: {
                '#status': statusIndex.partitionKey,
                ...(after ? { '#time': statusIndex.sortKey } : {}),
              },
              ExpressionAttributeValues: {
                ':status': status,
                ...(after ? { ':time': after.createdAt } : {}),
              },
              ScanIndexForward: false,
              ExclusiveStartKey: startKey,
            }),
            { abortSignal },
          ),
        );
        for (const raw of output.Items ?? []) {
          const item = asRecordItem(raw);
          if (!item || (after && !isAfter(item, after))) continue;
          const record = await recordOf(table, item, query.signal);
          if (matchesPage(record, query)) found.push(record);
        }
        startKey = output.LastEvaluatedKey;
      } while (startKey && found.length <= query.limit);
      return found;
    }),
  );
  return pageOf(perStatus.flat().sort(pageOrder), query.limit);
}

async function readItem(table: Table, id: string, signal?: AbortSignal): Promise<RecordItem | undefined> {
  const output = await table.call('GetItem', signal, (abortSignal) =>
    table.documents.send(
      new GetCommand({ TableName: table.name, Key: { [partitionKey]: id }, ConsistentRead: true }),
      { abortSignal },
    ),
  );
  return output.Item ? asRecordItem(output.Item) : undefined;
}

/** Builds the item, writing the record to the overflow store first when it is too large. */
async function itemFor(
  table: Table,
  record: InferenceRecord,
  json: string,
  signal?: AbortSignal,
): Promise<RecordItem> {
  const { overflow } = table;
  const item = {
    id: record.id,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxInlineRecordBytes) return { ...item, record: json };
  if (!overflow) {
    throw new DependencyError(
      `record ${record.id} is ${bytes} bytes, over the ${maxInlineRecordBytes} a DynamoDB item can hold, and no overflow store is configured`,
      { code: ServiceErrorCode.storageError, retriable: false },
    );
  }
  // Named by content, so a losing concurrent writer can never overwrite the winner's record.
  const digest = createHash('sha256').update(json).digest('hex').slice(0, 32);
  const recordRef = `${overflow.prefix}records/${record.id}/${digest}.json`;
  await overflow.blobStore.put(recordRef, Buffer.from(json), { contentType: 'application/json', signal });
  return { ...item, recordRef };
}

async function recordOf(table: Table, item: RecordItem, signal?: AbortSignal): Promise<InferenceRecord> {
  const { overflow } = table;
  if (item.record !== undefined) return JSON.parse(item.record) as InferenceRecord;
  if (item.recordRef === undefined || !overflow) {
    throw new DependencyError(
      `record ${item.id} is stored in an overflow object, and no overflow store is configured`,
      {
        code: ServiceErrorCode.storageError,
        retriable: false,
      },
    );
  }
  try {
    const bytes = await overflow.blobStore.get(item.recordRef, {
      maxBytes: maxOverflowRecordBytes,
      signal,
    });
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as InferenceRecord;
  } catch (error) {
    // For the result store a missing overflow object is lost data, not a caller's mistake.
    if (error instanceof DdxError && error.code === InputErrorCode.objectNotFound) {
      throw new DependencyError(`the overflow object of record ${item.id} is missing`, {
        code: ServiceErrorCode.storageError,
        retriable: false,
        cause: error,
      });
    }
    throw error;
  }
}

/** One status's records, newest first, following pages until `limit` are found. */
async function newestWithStatus(
  table: Table,
  status: string,
  limit: number,
  signal?: AbortSignal,
): Promise<RecordItem[]> {
  const items: RecordItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await table.call('Query', signal, (abortSignal) =>
      table.documents.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: statusIndex.name,
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': statusIndex.partitionKey },
          ExpressionAttributeValues: { ':status': status },
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal },
      ),
    );
    for (const raw of output.Items ?? []) {
      const item = asRecordItem(raw);
      if (item) items.push(item);
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return items;
}

async function savePatient(
  table: Table,
  recordId: string,
  patient: PatientIdentifiers | undefined,
  signal?: AbortSignal,
) {
  const identifiers = Object.fromEntries(
    Object.entries(patient ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  if (Object.keys(identifiers).length === 0) return;
  // No `status` attribute: the sparse by-status index never lists this item.
  await table.call('PutItem', signal, (abortSignal) =>
    table.documents.send(
      new PutCommand({
        TableName: table.name,
        Item: { [partitionKey]: patientItemId(recordId), identifiers },
      }),
      { abortSignal },
    ),
  );
}

async function readPatient(
  table: Table,
  recordId: string,
  signal?: AbortSignal,
): Promise<PatientIdentifiers | undefined> {
  const output = await table.call('GetItem', signal, (abortSignal) =>
    table.documents.send(
      new GetCommand({
        TableName: table.name,
        Key: { [partitionKey]: patientItemId(recordId) },
        ConsistentRead: true,
      }),
      { abortSignal },
    ),
  );
  const identifiers = output.Item?.identifiers as Record<string, unknown> | undefined;
  if (!identifiers) return undefined;
  const picked: PatientIdentifiers = {};
  for (const field of ['name', 'patientId', 'dateOfBirth'] as const) {
    const value = identifiers[field];
    if (typeof value === 'string') picked[field] = value;
  }
  return picked;
}

/** Narrows a stored item to a record item; anything else (the identifiers item) is not one. */
function asRecordItem(item: Record<string, unknown>): RecordItem | undefined {
  const { id, status, createdAt, updatedAt, record, recordRef } = item;
  if (typeof id !== 'string' || typeof status !== 'string') return undefined;
  if (typeof createdAt !== 'string' || typeof updatedAt !== 'string') return undefined;
  if (typeof record !== 'string' && typeof recordRef !== 'string') return undefined;
  return {
    id,
    status,
    createdAt,
    updatedAt,
    record: typeof record === 'string' ? record : undefined,
    recordRef: typeof recordRef === 'string' ? recordRef : undefined,
  };
}
