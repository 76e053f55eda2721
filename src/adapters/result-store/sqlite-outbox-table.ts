/**
 * The outbox's table in the result store's SQLite file: one row per (event, sink). The result
 * store appends to it inside the record's own transaction (sqlite.ts), and the Outbox adapter
 * (adapters/outbox/sqlite.ts) drains it; both read this one layout.
 */
import type Database from 'better-sqlite3';
import type { PendingEvent } from '../../ports.js';

export const outboxSchema = `
  CREATE TABLE IF NOT EXISTS outbox (
    event_id TEXT NOT NULL,
    sink TEXT NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER NOT NULL,
    last_error TEXT,
    appended_at INTEGER NOT NULL,
    delivered_at INTEGER,
    PRIMARY KEY (event_id, sink)
  );
  CREATE INDEX IF NOT EXISTS outbox_by_state_due ON outbox (state, due_at);
`;

/**
 * Appends events as pending entries, due at once; an entry already there is kept as it is. Not a
 * transaction of its own: callers run it inside theirs, so it commits with what they write.
 */
export function outboxAppender(
  database: Database.Database,
): (events: readonly PendingEvent[], now: number) => void {
  const insert = database.prepare(
    `INSERT INTO outbox (event_id, sink, event, state, attempts, due_at, appended_at)
     VALUES (@eventId, @sink, @event, 'pending', 0, @now, @now) ON CONFLICT (event_id, sink) DO NOTHING`,
  );
  return (events, now) => {
    for (const { event, sinks } of events) {
      const json = JSON.stringify(event);
      for (const sink of sinks) insert.run({ eventId: event.id, sink, event: json, now });
    }
  };
}
