/**
 * A connection to the result table for the stores that live beside the records (API tokens, the
 * audit log): the document client and the retrying call, shared with the outbox.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../../resilience/retry.js';
import { type OutboxItemTable, sendConditional } from '../../result-store/dynamodb-outbox-items.js';
import { resultTableKeys } from '../../result-store/dynamodb-table.js';
import { awsError, dynamoDbErrors } from './aws-errors.js';

export interface ResultTableSettings {
  table: string;
  client?: DynamoDBClient;
  region?: string;
  policy?: RetryPolicy;
}

export function connectResultTable(
  settings: ResultTableSettings,
  purpose: string,
): { table: OutboxItemTable; close(): void } {
  const ownsClient = settings.client === undefined;
  const client = settings.client ?? new DynamoDBClient({ region: settings.region, maxAttempts: 1 });
  const policy = settings.policy ?? defaultRetryPolicy;
  return {
    table: {
      name: settings.table,
      documents: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      call: (operation, signal, attempt) =>
        withRetry(attempt, {
          policy,
          signal,
          operation: `DynamoDB ${operation}`,
          toError: (error) =>
            awsError(dynamoDbErrors, error, `DynamoDB ${operation} on ${settings.table} (${purpose})`),
        }),
    },
    close() {
      if (ownsClient) client.destroy();
    },
  };
}

/**
 * Items of one `status` in the by-status index, in `createdAt` order, page after page: every one,
 * or the first `limit`; with `dueBy`, only those whose `createdAt` is at most that.
 */
export async function itemsWithStatus(
  table: OutboxItemTable,
  status: string,
  options: { ascending: boolean; limit?: number; dueBy?: string; signal?: AbortSignal },
): Promise<Record<string, unknown>[]> {
  const { statusIndex } = resultTableKeys;
  const { limit, dueBy } = options;
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await table.call('Query', options.signal, (abortSignal) =>
      table.documents.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: statusIndex.name,
          KeyConditionExpression: dueBy ? '#status = :status AND #due <= :dueBy' : '#status = :status',
          ExpressionAttributeNames: {
            '#status': statusIndex.partitionKey,
            ...(dueBy ? { '#due': statusIndex.sortKey } : {}),
          },
          ExpressionAttributeValues: { ':status': status, ...(dueBy ? { ':dueBy': dueBy } : {}) },
          ScanIndexForward: options.ascending,
          Limit: limit === undefined ? undefined : limit - items.length,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal },
      ),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey && (limit === undefined || items.length < limit));
  return items;
}

/** Writes `item` unless an item with its key exists; false when one did (kept as it was). */
export function putIfAbsent(
  table: OutboxItemTable,
  item: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<boolean> {
  const { partitionKey } = resultTableKeys;
  return sendConditional(
    table,
    'PutItem',
    signal,
    new PutCommand({
      TableName: table.name,
      Item: item,
      ConditionExpression: 'attribute_not_exists(#id)',
      ExpressionAttributeNames: { '#id': partitionKey },
    }),
  );
}
