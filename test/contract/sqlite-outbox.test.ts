import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteOutbox } from '../../src/adapters/outbox/sqlite.js';
import { outboxContract } from './outbox.contract.js';

outboxContract('SQLite (file)', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'ddx-outbox-'));
  return {
    outbox: createSqliteOutbox({ path: join(folder, 'results.db') }),
    listsDelivered: true,
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
});
