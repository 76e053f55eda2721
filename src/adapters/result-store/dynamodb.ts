/**
 * ResultStore on DynamoDB, the production twin of SQLite (table design: dynamodb-table.ts). A record
 * is stored as its JSON text, so it comes back exactly as written; status and times sit beside it
 * for the conditional write and the `by-status` index. A record too large for one item (400 KB)
 * goes to an overflow BlobStore and the item keeps a reference. Every call goes through
 * `withRetry`, so the client is created with the SDK's own retries off (`maxAttempts: 1`).
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
import type { BlobStore, CallOptions, ListOptions, ResultStore, SaveOutcome } from '../../ports.js';
import { type InferenceRecord, RecordStatus } from '../../record.js';
import { errorFromNetworkFailure } from '../../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../resilience/retry.js';
import {
  claimItemId,
  claimItemPrefix,
  maxInlineRecordBytes,
  patientItemId,
  patientItemPrefix,
  resultTableKeys,
  timeToLiveAttribute,
} from './dynamodb-table.js';

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

export function createDynamoDbResultStore(settings: DynamoDbResultStoreSettings): ResultStore {
  const { table, overflow } = settings;
  const ownsClient = settings.client === undefined;
  const client = settings.client ?? new DynamoDBClient({ region: settings.region, maxAttempts: 1 });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const policy = settings.policy ?? defaultRetryPolicy;
  const { partitionKey, statusIndex } = resultTableKeys;

  const call = <T>(
    operation: string,
    signal: AbortSignal | undefined,
    attempt: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> =>
    withRetry(attempt, {
      policy,
      signal,
      operation: `DynamoDB ${operation}`,
      toError: (error) => dynamoDbError(`DynamoDB ${operation} on ${table}`, error),
    });

  async function readItem(id: string, signal?: AbortSignal): Promise<RecordItem | undefined> {
    const output = await call('GetItem', signal, (abortSignal) =>
      documents.send(
        new GetCommand({ TableName: table, Key: { [partitionKey]: id }, ConsistentRead: true }),
        { abortSignal },
      ),
    );
    return output.Item ? asRecordItem(output.Item) : undefined;
  }

  /** Builds the item, writing the record to the overflow store first when it is too large. */
  async function itemFor(record: InferenceRecord, json: string, signal?: AbortSignal): Promise<RecordItem> {
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

  async function recordOf(item: RecordItem, signal?: AbortSignal): Promise<InferenceRecord> {
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
    status: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<RecordItem[]> {
    const items: RecordItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await call('Query', signal, (abortSignal) =>
        documents.send(
          new QueryCommand({
            TableName: table,
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

  return {
    name: 'dynamodb',

    async save(record, options): Promise<SaveOutcome> {
      const signal = options?.signal;
      const json = JSON.stringify(record);
      const item = await itemFor(record, json, signal);
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
      const written = await call('PutItem', signal, async (abortSignal) => {
        try {
          await documents.send(new PutCommand({ TableName: table, Item: { ...item }, ...condition }), {
            abortSignal,
          });
          return true;
        } catch (error) {
          if (errorName(error) === 'ConditionalCheckFailedException') return false;
          throw error;
        }
      });

      if (!written) {
        // dynalite ignores ReturnValuesOnConditionCheckFailure, and real DynamoDB would not
        // resolve an overflow reference anyway: read the winner back.
        const stored = await readItem(record.id, signal);
        const existing = stored ? await recordOf(stored, signal) : undefined;
        if (!existing) throw new Error(`record ${record.id} was replaced concurrently and then removed`);
        // A retry after a lost answer finds its own write: that is a success, not a conflict.
        if (JSON.stringify(existing) !== json) return { written: false, existing };
      }
      await savePatient(record.id, options?.patient, signal);
      return { written: true };
    },

    async claim(id, { owner, leaseMs, signal }) {
      const now = Date.now();
      const expiresAt = now + leaseMs;
      return call('PutItem', signal, async (abortSignal) => {
        try {
          await documents.send(
            new PutCommand({
              TableName: table,
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
            }),
            { abortSignal },
          );
          return true;
        } catch (error) {
          if (errorName(error) === 'ConditionalCheckFailedException') return false;
          throw error;
        }
      });
    },

    async release(id, owner, options) {
      await call('DeleteItem', options?.signal, async (abortSignal) => {
        try {
          await documents.send(
            new DeleteCommand({
              TableName: table,
              Key: { [partitionKey]: claimItemId(id) },
              // Only the holder gives a claim back; a taken-over claim is no longer ours.
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': owner },
            }),
            { abortSignal },
          );
        } catch (error) {
          if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
        }
      });
    },

    async get(id, options?: CallOptions) {
      // Identifiers and claims share the key space: never hand them out as records.
      if (id.startsWith(patientItemPrefix) || id.startsWith(claimItemPrefix)) return undefined;
      const item = await readItem(id, options?.signal);
      return item ? recordOf(item, options?.signal) : undefined;
    },

    async list(options?: ListOptions & CallOptions) {
      const limit = options?.limit ?? defaultListLimit;
      if (limit < 1) return [];
      const statuses = options?.status ? [options.status] : Object.values(RecordStatus);
      const perStatus = await Promise.all(
        statuses.map((status) => newestWithStatus(status, limit, options?.signal)),
      );
      const newest = perStatus
        .flat()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
        .slice(0, limit);
      return Promise.all(newest.map((item) => recordOf(item, options?.signal)));
    },

    async close() {
      if (ownsClient) client.destroy();
    },
  };

  async function savePatient(
    recordId: string,
    patient: PatientIdentifiers | undefined,
    signal?: AbortSignal,
  ) {
    const identifiers = Object.fromEntries(
      Object.entries(patient ?? {}).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    if (Object.keys(identifiers).length === 0) return;
    // No `status` attribute: the sparse by-status index never lists this item.
    await call('PutItem', signal, (abortSignal) =>
      documents.send(
        new PutCommand({ TableName: table, Item: { [partitionKey]: patientItemId(recordId), identifiers } }),
        { abortSignal },
      ),
    );
  }
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

// ---------------------------------------------------------------------------------------------
// Errors

function errorName(error: unknown): string | undefined {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

const throttlingCodes = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const transientCodes = new Set(['InternalServerError', 'ServiceUnavailable']);

function dynamoDbError(operation: string, error: unknown): DdxError {
  if (error instanceof DdxError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: { throttling?: unknown };
  };
  const name = errorName(error);
  const status =
    typeof fields.$metadata?.httpStatusCode === 'number' ? fields.$metadata.httpStatusCode : undefined;
  const message = typeof fields.message === 'string' ? fields.message.slice(0, 200) : String(error);
  const described = `${operation} failed: ${name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${message}`;
  const storage = (isRetriable: boolean) =>
    new DependencyError(described, {
      code: ServiceErrorCode.storageError,
      retriable: isRetriable,
      cause: error,
    });

  if (
    fields.$retryable?.throttling === true ||
    (name !== undefined && throttlingCodes.has(name)) ||
    status === 429
  ) {
    return new DependencyError(described, {
      code: ServiceErrorCode.throttled,
      retriable: true,
      cause: error,
    });
  }
  if (fields.$retryable !== undefined || (name !== undefined && transientCodes.has(name)))
    return storage(true);
  // A success the SDK could not read (the answer was cut short on the way): conditional writes
  // make another attempt safe.
  if (status !== undefined && status < 300) return storage(true);
  if (status !== undefined) return storage(status >= 500);
  // AccessDenied, ResourceNotFound and validation errors all carry a status: only failures
  // below HTTP (reset, refused, DNS) get here.
  return storage(errorFromNetworkFailure(operation, error).retriable);
}
