import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createDynamoDbAuditLog } from '../../src/adapters/audit-log/dynamodb.js';
import { createSqliteAuditLog } from '../../src/adapters/audit-log/sqlite.js';
import { createDynamoDbResultStore } from '../../src/adapters/result-store/dynamodb.js';
import { createDynamoDbTokenStore } from '../../src/adapters/token-store/dynamodb.js';
import { createSqliteTokenStore } from '../../src/adapters/token-store/sqlite.js';
import { startDynalite } from '../support/dynalite.js';
import { accessStoresContract } from './access-stores.contract.js';

const testPolicy = { attempts: 3, timeoutMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 };

accessStoresContract('SQLite (the result store file)', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'ddx-access-'));
  const path = join(folder, 'results.db');
  return {
    tokens: createSqliteTokenStore({ path }),
    audit: createSqliteAuditLog({ path }),
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
});

accessStoresContract('DynamoDB (dynalite, the result table)', async () => {
  const dynamo = await startDynalite();
  const settings = { table: dynamo.table, client: dynamo.client, policy: testPolicy };
  return {
    tokens: createDynamoDbTokenStore(settings),
    audit: createDynamoDbAuditLog(settings),
    cleanup: () => dynamo.close(),
  };
});

describe('the audit log and tokens beside the records', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ddx-access-'));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  it('refuses to update or delete an audit entry in SQLite, whoever asks', async () => {
    const path = join(folder, 'results.db');
    const audit = createSqliteAuditLog({ path });
    await audit.append({
      id: 'aud_x',
      recordId: 'rec_x',
      at: '2031-01-01T00:00:00.000Z',
      actor: 'token:a',
      action: 'review.reject',
      before: null,
      after: null,
    });
    const database = new Database(path);
    try {
      assert.throws(() => database.prepare("UPDATE audit_log SET actor = 'token:b'").run(), /append-only/);
      assert.throws(() => database.prepare('DELETE FROM audit_log').run(), /append-only/);
    } finally {
      database.close();
      await audit.close?.();
    }
  });

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
