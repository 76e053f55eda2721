/**
 * The outbox on SQLite: one row per (event, sink) in the result store's file (the table's layout:
 * result-store/sqlite-outbox-table.ts). The result store writes an event in the record's own
 * transaction, so nothing is ever half-written and `recover` has nothing to do. Claims are an
 * UPDATE ... RETURNING inside a transaction: two processes on one file never lease the same row.
 */
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DependencyError, ServiceErrorCode } from '../../errors.js';
import type { RecordEvent } from '../../events/record-event.js';
import type { ClaimOptions, Outbox, OutboxEntry, OutboxState } from '../../ports.js';
import { outboxAppender, outboxSchema } from '../result-store/sqlite-outbox-table.js';
import { preparePrivateFile } from '../shared/fs/private-files.js';

export type SqliteOutboxSettings = { path: string } | { database: Database.Database };

interface OutboxRow {
  event_id: string;
  sink: string;
  event: string;
  state: OutboxState;
  attempts: number;
  due_at: number;
  last_error: string | null;
  appended_at: number;
  delivered_at: number | null;
}

function entryOf(row: OutboxRow): OutboxEntry {
  return {
    eventId: row.event_id,
    sink: row.sink,
    event: JSON.parse(row.event) as RecordEvent,
    state: row.state,
    attempts: row.attempts,
    dueAt: new Date(row.due_at).toISOString(),
    lastError: row.last_error,
    appendedAt: new Date(row.appended_at).toISOString(),
    deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at).toISOString(),
  };
}

export function createSqliteOutbox(settings: SqliteOutboxSettings): Outbox {
  const ownsDatabase = 'path' in settings;
  if ('path' in settings && settings.path !== ':memory:')
    preparePrivateFile(settings.path, dirname(settings.path));
  const database = 'path' in settings ? new Database(settings.path) : settings.database;
  if (ownsDatabase) {
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
  }
  database.exec(outboxSchema);

  const appendEvents = outboxAppender(database);
  const claimDue = database.prepare<{ now: number; leaseUntil: number; limit: number }, OutboxRow>(
    `UPDATE outbox SET due_at = @leaseUntil
     WHERE rowid IN (SELECT rowid FROM outbox WHERE state = 'pending' AND due_at <= @now ORDER BY due_at, appended_at LIMIT @limit)
     RETURNING *`,
  );
  const claimOne = database.prepare<
    { eventId: string; sink: string; now: number; leaseUntil: number },
    OutboxRow
  >(
    `UPDATE outbox SET due_at = @leaseUntil
     WHERE event_id = @eventId AND sink = @sink AND state = 'pending' AND due_at <= @now RETURNING *`,
  );
  const delivered = database.prepare(
    `UPDATE outbox SET state = 'delivered', delivered_at = @at, last_error = NULL WHERE event_id = @eventId AND sink = @sink`,
  );
  const attemptFailed = database.prepare(
    `UPDATE outbox SET attempts = attempts + 1, last_error = @error,
       state = CASE WHEN @retryAt IS NULL THEN 'failed' ELSE 'pending' END,
       due_at = COALESCE(@retryAt, @at)
     WHERE event_id = @eventId AND sink = @sink AND state = 'pending'`,
  );
  const byState = database.prepare<{ state: OutboxState; limit: number }, OutboxRow>(
    'SELECT * FROM outbox WHERE state = @state ORDER BY due_at DESC, appended_at DESC LIMIT @limit',
  );
  const all = database.prepare<{ limit: number }, OutboxRow>(
    'SELECT * FROM outbox ORDER BY appended_at DESC, event_id LIMIT @limit',
  );
  const retry = database.prepare(
    `UPDATE outbox SET state = 'pending', attempts = 0, due_at = @now
     WHERE state = 'failed' AND (@eventId IS NULL OR event_id = @eventId) AND (@sink IS NULL OR sink = @sink)`,
  );

  const guarded = <T>(action: string, work: () => T): T => {
    try {
      return work();
    } catch (error) {
      const busy = (error as { code?: string }).code === 'SQLITE_BUSY';
      throw new DependencyError(`SQLite outbox ${action} failed: ${(error as Error).message}`, {
        code: ServiceErrorCode.storageError,
        retriable: busy,
        cause: error,
      });
    }
  };

  const appendAll = database.transaction((event: RecordEvent, sinks: readonly string[], now: number) =>
    appendEvents([{ event, sinks }], now),
  );
  const claim = database.transaction(
    (now: number, leaseUntil: number, limit: number, only?: ClaimOptions['only']) =>
      only
        ? only.eventIds
            .flatMap((eventId) =>
              only.sinks.flatMap((sink) => claimOne.all({ eventId, sink, now, leaseUntil })),
            )
            .slice(0, limit)
        : claimDue.all({ now, leaseUntil, limit }),
  );

  return {
    name: 'sqlite',
    async append(event, sinks, options) {
      guarded('append', () => appendAll(event, sinks, (options?.now ?? new Date()).getTime()));
    },
    async recover() {
      return { confirmed: 0, dropped: 0 };
    },
    async claimDue({ now, leaseMs, limit, only }) {
      const at = now.getTime();
      return guarded('claim', () => claim(at, at + leaseMs, limit, only).map(entryOf));
    },
    async markDelivered(eventId, sink, at) {
      guarded('markDelivered', () => delivered.run({ eventId, sink, at: at.getTime() }));
    },
    async markAttemptFailed(eventId, sink, failure) {
      guarded('markAttemptFailed', () =>
        attemptFailed.run({
          eventId,
          sink,
          error: failure.error.slice(0, 1000),
          at: failure.at.getTime(),
          retryAt: failure.retryAt?.getTime() ?? null,
        }),
      );
    },
    async list(options) {
      const limit = options?.limit ?? 50;
      return guarded('list', () =>
        (options?.state ? byState.all({ state: options.state, limit }) : all.all({ limit })).map(entryOf),
      );
    },
    async retryFailed(filter) {
      return guarded(
        'retry',
        () =>
          retry.run({
            eventId: filter?.eventId ?? null,
            sink: filter?.sink ?? null,
            now: (filter?.now ?? new Date()).getTime(),
          }).changes,
      );
    },
    async close() {
      if (ownsDatabase) database.close();
    },
  };
}
