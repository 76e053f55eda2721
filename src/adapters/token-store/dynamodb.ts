/**
 * TokenStore on DynamoDB, in the result table (no new table, no new index):
 *
 * ```
 * item   { id, status, createdAt, tokenId, name, role, sha256, revokedAt? }
 * key    token#<token id>
 * index  by-status: status `token#`, so `list` is one query; record listing never sees them
 * ```
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Role, StoredToken, TokenStore } from '../../ports.js';
import { sendConditional } from '../result-store/dynamodb-outbox-items.js';
import { resultTableKeys } from '../result-store/dynamodb-table.js';
import { connectResultTable, type ResultTableSettings } from '../shared/aws/dynamodb-result-table.js';

export const tokenItemPrefix = 'token#';
const { partitionKey, statusIndex } = resultTableKeys;

export function createDynamoDbTokenStore(settings: ResultTableSettings): TokenStore {
  const { table, close } = connectResultTable(settings, 'tokens');
  return {
    name: 'dynamodb',
    async add(token, options) {
      const written = await sendConditional(
        table,
        'PutItem',
        options?.signal,
        new PutCommand({
          TableName: table.name,
          Item: {
            [partitionKey]: `${tokenItemPrefix}${token.id}`,
            [statusIndex.partitionKey]: tokenItemPrefix,
            [statusIndex.sortKey]: token.createdAt,
            tokenId: token.id,
            name: token.name,
            role: token.role,
            sha256: token.sha256,
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': partitionKey },
        }),
      );
      if (!written) throw new Error(`token id ${token.id} exists already`);
    },
    async get(id, options) {
      const output = await table.call('GetItem', options?.signal, (abortSignal) =>
        table.documents.send(
          new GetCommand({
            TableName: table.name,
            Key: { [partitionKey]: `${tokenItemPrefix}${id}` },
            ConsistentRead: true,
          }),
          { abortSignal },
        ),
      );
      return output.Item ? tokenOf(output.Item) : undefined;
    },
    async list(options) {
      const tokens: StoredToken[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const output = await table.call('Query', options?.signal, (abortSignal) =>
          table.documents.send(
            new QueryCommand({
              TableName: table.name,
              IndexName: statusIndex.name,
              KeyConditionExpression: '#status = :status',
              ExpressionAttributeNames: { '#status': statusIndex.partitionKey },
              ExpressionAttributeValues: { ':status': tokenItemPrefix },
              ExclusiveStartKey: startKey,
            }),
            { abortSignal },
          ),
        );
        tokens.push(...(output.Items ?? []).map(tokenOf));
        startKey = output.LastEvaluatedKey;
      } while (startKey);
      return tokens;
    },
    revoke(id, at, options) {
      return sendConditional(
        table,
        'UpdateItem',
        options?.signal,
        new UpdateCommand({
          TableName: table.name,
          Key: { [partitionKey]: `${tokenItemPrefix}${id}` },
          UpdateExpression: 'SET revokedAt = :at',
          ConditionExpression: 'attribute_exists(#id) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeNames: { '#id': partitionKey },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    },
    async close() {
      close();
    },
  };
}

function tokenOf(item: Record<string, unknown>): StoredToken {
  return {
    id: String(item.tokenId),
    name: String(item.name),
    role: String(item.role) as Role,
    sha256: String(item.sha256),
    createdAt: String(item[statusIndex.sortKey]),
    revokedAt: typeof item.revokedAt === 'string' ? item.revokedAt : null,
  };
}
