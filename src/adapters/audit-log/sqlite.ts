/**
 * AuditLog on SQLite, in the result store's file: an append-only table. Triggers refuse every
 * UPDATE and DELETE, so not even a bug in this program can rewrite what happened.
 */

import type { AuditLog } from '../../ports.js';
import { openSqliteFile, sqliteGuard } from '../shared/sqlite/sqlite-file.js';

const schema = `
  CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    record_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS audit_by_record ON audit_log (record_id, at, seq);
  CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

interface AuditRow {
  id: string;
  record_id: string;
  at: string;
  actor: string;
  action: string;
  before: string;
  after: string;
}

export function createSqliteAuditLog(settings: { path: string }): AuditLog {
  const database = openSqliteFile(settings.path);
  database.exec(schema);
  const insert = database.prepare(
    `INSERT INTO audit_log (id, record_id, at, actor, action, before, after)
     VALUES (@id, @recordId, @at, @actor, @action, @before, @after) ON CONFLICT(id) DO NOTHING`,
  );
  const select = database.prepare<[string], AuditRow>(
    'SELECT id, record_id, at, actor, action, before, after FROM audit_log WHERE record_id = ? ORDER BY at, seq',
  );
  const guarded = sqliteGuard('audit');
  return {
    name: 'sqlite',
    async append(entry) {
      guarded('append', () =>
        insert.run({ ...entry, before: JSON.stringify(entry.before), after: JSON.stringify(entry.after) }),
      );
    },
    async list(recordId) {
      return guarded('list', () =>
        select.all(recordId).map((row) => ({
          id: row.id,
          recordId: row.record_id,
          at: row.at,
          actor: row.actor,
          action: row.action,
          before: JSON.parse(row.before) as unknown,
          after: JSON.parse(row.after) as unknown,
        })),
      );
    },
    async close() {
      database.close();
    },
  };
}
