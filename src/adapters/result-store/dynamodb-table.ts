/**
 * The DynamoDB result table, designed in one place: the adapter, the tests that create the table
 * on dynalite, and the CDK stack all read these constants, so they cannot drift apart.
 *
 * ```
 * item                                        key (id)                GSI by-status (status, createdAt)
 * record      { id, status, createdAt,        rec_<hash>              listed, newest first
 *               updatedAt, record | recordRef }
 * identifiers { id, identifiers }             patient#rec_<hash>      never listed: no `status` (sparse index)
 * claim       { id, owner, expiresAt, ttl }   claim#rec_<hash>        never listed: no `status`
 * ```
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const resultTableKeys = {
  partitionKey: 'id',
  statusIndex: { name: 'by-status', partitionKey: 'status', sortKey: 'createdAt' },
} as const;

/** Patient identifiers live in their own item, so reading or listing records can never return them. */
export const patientItemPrefix = 'patient#';

export function patientItemId(recordId: string): string {
  return `${patientItemPrefix}${recordId}`;
}

/** A run's claim on a record id (`ResultStore.claim`): its own item, like the identifiers. */
export const claimItemPrefix = 'claim#';

export function claimItemId(recordId: string): string {
  return `${claimItemPrefix}${recordId}`;
}

/**
 * The attribute to enable DynamoDB TTL on (epoch seconds): abandoned claims of crashed runs are
 * deleted eventually. TTL deletion lags, so claims are judged by `expiresAt`, never by TTL.
 */
export const timeToLiveAttribute = 'ttl';

/**
 * A DynamoDB item holds at most 400 KB (names and values together). Records whose JSON is larger
 * than this go to the overflow BlobStore; the margin covers the item's other attributes.
 */
export const maxInlineRecordBytes = 350 * 1024;

/** The CreateTable request for the table: used by tests and local tooling (CDK mirrors it). */
export function resultTableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, statusIndex } = resultTableKeys;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: statusIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: statusIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: statusIndex.name,
        KeySchema: [
          { AttributeName: statusIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: statusIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
