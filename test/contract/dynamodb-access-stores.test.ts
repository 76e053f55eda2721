/** TokenStore and AuditLog on DynamoDB (dynalite), in the result table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDynamoDbAuditLog } from '../../src/adapters/audit-log/dynamodb.js';
import { createDynamoDbResultStore } from '../../src/adapters/result-store/dynamodb.js';
import { createDynamoDbTokenStore } from '../../src/adapters/token-store/dynamodb.js';
import { startDynalite } from '../support/dynalite.js';
import { accessStoresContract } from './access-stores.contract.js';

const testPolicy = { attempts: 3, timeoutMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 };

accessStoresContract('DynamoDB (dynalite, the result table)', async () => {
  const dynamo = await startDynalite();
  const settings = { table: dynamo.table, client: dynamo.client, policy: testPolicy };
  return {
    tokens: createDynamoDbTokenStore(settings),
    audit: createDynamoDbAuditLog(settings),
    cleanup: () => dynamo.close(),
  };
});

describe('DynamoDB tokens and audit beside the records', () => {
  it('never hands out token or audit items of the DynamoDB table as records, nor lists them', async () => {
    const dynamo = await startDynalite();
    const settings = { table: dynamo.table, client: dynamo.client, policy: testPolicy };
    const tokens = createDynamoDbTokenStore(settings);
    const audit = createDynamoDbAuditLog(settings);
    const records = createDynamoDbResultStore(settings);
    try {
      await tokens.add({
        id: 'tok1',
        name: 'n',
        role: 'admin',
        sha256: 'a'.repeat(64),
        createdAt: '2031-01-01T00:00:00.000Z',
        revokedAt: null,
      });
      await audit.append({
        id: 'aud_y',
        recordId: 'rec_y',
        at: '2031-01-01T00:00:00.000Z',
        actor: 'token:n',
        action: 'review.accept',
        before: null,
        after: null,
      });
      assert.equal(await records.get('token#tok1'), undefined);
      assert.equal(await records.get('audit#rec_y#aud_y'), undefined);
      assert.deepEqual(await records.list(), []);
      assert.deepEqual((await records.listPage({ limit: 10 })).records, []);
    } finally {
      await Promise.all([tokens.close?.(), audit.close?.(), records.close?.()]);
      await dynamo.close();
    }
  });
});
