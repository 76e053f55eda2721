/**
 * TokenStore on DynamoDB, in the result table (no new table, no new index):
 *
 * ```
 * item   { id, status, createdAt, tokenId, name, role, sha256, revokedAt? }
 * key    token#<token id>
 * index  by-status: status `token#`, so `list` is one query; record listing never sees them
 * ```
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Role, StoredToken, TokenStore } from '../../ports.js';
import { sendConditional } from '../result-store/dynamodb-outbox-items.js';
import { resultTableKeys } from '../result-store/dynamodb-table.js';
import {
  connectResultTable,
  itemsWithStatus,
  putIfAbsent,
  type ResultTableSettings,
} from '../shared/aws/dynamodb-result-table.js';

export const tokenItemPrefix = 'token#';
const { partitionKey, statusIndex } = resultTableKeys;

export function createDynamoDbTokenStore(settings: ResultTableSettings): TokenStore {
  const { table, close } = connectResultTable(settings, 'tokens');
  return {
    name: 'dynamodb',
    async add(token, options) {
      const written = await putIfAbsent(
        table,
        {
          [partitionKey]: `${tokenItemPrefix}${token.id}`,
          [statusIndex.partitionKey]: tokenItemPrefix,
          [statusIndex.sortKey]: token.createdAt,
          tokenId: token.id,
          name: token.name,
          role: token.role,
          sha256: token.sha256,
        },
        options?.signal,
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
      const items = await itemsWithStatus(table, tokenItemPrefix, {
        ascending: true,
        signal: options?.signal,
      });
      return items.map(tokenOf);
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
