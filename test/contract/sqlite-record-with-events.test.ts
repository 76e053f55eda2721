/**
 * The store step with events on SQLite: the contract, and one transaction for the record and its
 * outbox entries (an outbox insert that fails leaves no record behind).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteOutbox } from '../../src/adapters/outbox/sqlite.js';
import { createSqliteResultStore } from '../../src/adapters/result-store/sqlite.js';
import {
  claimable,
  completedEvents,
  freshRecord,
  recordWithEventsContract,
} from './record-with-events.contract.js';

async function sqliteFixture() {
  const folder = await mkdtemp(join(tmpdir(), 'ddx-record-events-'));
  const path = join(folder, 'results.db');
  return {
    path,
    store: createSqliteResultStore({ path }),
    outbox: createSqliteOutbox({ path }),
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
}

recordWithEventsContract('SQLite (one file)', sqliteFixture);

describe('SQLite: the record and its events in one transaction', () => {
  it('writes neither when the outbox insert fails', async () => {
    const fixture = await sqliteFixture();
    try {
      // Another connection makes every outbox insert fail, as a full disk or a corrupt page would.
      const saboteur = new Database(fixture.path);
      saboteur.exec(
        `CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;`,
      );
      saboteur.close();
      const record = freshRecord();
      const events = completedEvents(record);
      await assert.rejects(fixture.store.save(record, { events }), /disk full/);
      assert.equal(await fixture.store.get(record.id), undefined, 'the record was rolled back');
      assert.deepEqual(await claimable(fixture.outbox, events), []);
    } finally {
      await fixture.outbox.close?.();
      await fixture.store.close?.();
      await fixture.cleanup();
    }
  });
});
