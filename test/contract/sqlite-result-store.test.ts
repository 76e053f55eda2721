import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteResultStore } from '../../src/adapters/result-store/sqlite.js';
import { createInMemoryResultStore } from '../support/in-memory-result-store.js';
import { resultStoreContract } from './result-store.contract.js';

resultStoreContract('SQLite (file)', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'ddx-sqlite-'));
  return {
    store: createSqliteResultStore({ path: join(folder, 'nested', 'results.db') }),
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
});

resultStoreContract('in-memory (test fake)', async () => ({ store: createInMemoryResultStore() }));
