/** TokenStore and AuditLog on SQLite, in the result store's file. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteAuditLog } from '../../src/adapters/audit-log/sqlite.js';
import { createSqliteTokenStore } from '../../src/adapters/token-store/sqlite.js';
import { accessStoresContract } from './access-stores.contract.js';

accessStoresContract('SQLite (the result store file)', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'ddx-access-'));
  const path = join(folder, 'results.db');
  return {
    tokens: createSqliteTokenStore({ path }),
    audit: createSqliteAuditLog({ path }),
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
});

describe('the SQLite audit log', () => {
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
});
