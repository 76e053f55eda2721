/**
 * A connection to the result table for the stores that live beside the records (API tokens, the
 * audit log): the document client and the retrying call, built as the outbox builds its own.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../../resilience/retry.js';
import type { OutboxItemTable } from '../../result-store/dynamodb-outbox-items.js';
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
