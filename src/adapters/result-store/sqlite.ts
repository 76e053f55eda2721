/**
 * ResultStore on SQLite (better-sqlite3): one row per record, the record as JSON, status and
 * creation time as columns for listing. Patient identifiers live in their own table, joined to
 * nothing the record API returns. The events of a save go into the outbox table in the record's
 * own transaction (sqlite-outbox-table.ts): both are written, or neither.
 */
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { PatientIdentifiers } from '../../domain.js';
import { DependencyError, ServiceErrorCode } from '../../errors.js';
import type {
  ClaimProcess,
  ListOptions,
  PageQuery,
  PendingEvent,
  ResultStore,
  SaveOutcome,
} from '../../ports.js';
import type { InferenceRecord } from '../../record.js';
import { preparePrivateFile } from '../shared/fs/private-files.js';
import { decodeCursor, pageOf } from './record-page-cursor.js';
import { outboxAppender, outboxSchema } from './sqlite-outbox-table.js';

export interface SqliteResultStoreSettings {
  /** A file path, or `:memory:`. */
  path: string;
}

const schema = `
  CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS records_by_status_time ON records (status, created_at DESC);
  CREATE INDEX IF NOT EXISTS records_by_time ON records (created_at DESC);
  CREATE TABLE IF NOT EXISTS claims (
    record_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    process TEXT
  );
  CREATE TABLE IF NOT EXISTS patient_identifiers (
    record_id TEXT PRIMARY KEY,
    identifiers TEXT NOT NULL
  );
`;

export function createSqliteResultStore(settings: SqliteResultStoreSettings): ResultStore {
  const database = openDatabase(settings.path);
  const appendEvents = outboxAppender(database);

  const {
    insert,
    replace,
    savePatient,
    selectPatient,
    selectOne,
    selectAll,
    selectByStatus,
    selectPage,
    takeClaim,
    selectClaim,
    dropClaim,
  } = prepareStatements(database);

  const saveTransaction = database.transaction(
    (
      record: InferenceRecord,
      replacing: string | undefined,
      patient: PatientIdentifiers | undefined,
      events: readonly PendingEvent[],
    ) => {
      const row = {
        id: record.id,
        status: record.status,
        createdAt: record.createdAt,
        updatedAt: record.updatedAt,
        record: JSON.stringify(record),
      };
      const { changes } = replacing === undefined ? insert.run(row) : replace.run({ ...row, replacing });
      if (changes !== 1) return false;
      if (patient && Object.keys(patient).length > 0) savePatient.run(record.id, JSON.stringify(patient));
      appendEvents(events, Date.now());
      return true;
    },
  );

  const parse = (row: { record: string } | undefined) =>
    row ? (JSON.parse(row.record) as InferenceRecord) : undefined;

  return {
    name: 'sqlite',
    async save(record, options): Promise<SaveOutcome> {
      return guarded('save', () => {
        if (saveTransaction(record, options?.replacing, options?.patient, options?.events ?? []))
          return { written: true };
        const existing = parse(selectOne.get(record.id));
        if (!existing) throw new Error(`record ${record.id} was replaced concurrently and then removed`);
        return { written: false, existing };
      });
    },
    async claim(id, { owner, leaseMs, process, takeOverFrom }) {
      const now = Date.now();
      const row = {
        id,
        owner,
        expiresAt: now + leaseMs,
        now,
        process: process ? JSON.stringify(process) : null,
        takeOverFrom: takeOverFrom ?? null,
      };
      return guarded('claim', () => takeClaim.run(row).changes === 1);
    },
    async claimHolder(id) {
      const row = guarded('claim lookup', () => selectClaim.get(id));
      if (!row) return undefined;
      return {
        owner: row.owner,
        expiresAt: row.expires_at,
        process: row.process ? (JSON.parse(row.process) as ClaimProcess) : undefined,
      };
    },
    async release(id, owner) {
      guarded('release', () => dropClaim.run(id, owner));
    },
    async get(id) {
      return guarded('get', () => parse(selectOne.get(id)));
    },
    async patientIdentifiers(recordId) {
      return guarded('patientIdentifiers', () => {
        const row = selectPatient.get(recordId);
        return row ? (JSON.parse(row.identifiers) as PatientIdentifiers) : undefined;
      });
    },
    async list(options?: ListOptions) {
      const limit = options?.limit ?? 50;
      return guarded('list', () =>
        (options?.status ? selectByStatus.all(options.status, limit) : selectAll.all(limit)).map(
          (row) => JSON.parse(row.record) as InferenceRecord,
        ),
      );
    },
    async listPage(query: PageQuery) {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = guarded('listPage', () =>
        selectPage.all({
          status: query.status ?? null,
          verdict: query.verdict ?? null,
          review: query.reviewState ?? null,
          prefix: query.idPrefix ?? null,
          afterTime: after?.createdAt ?? null,
          afterId: after?.id ?? null,
          limit: query.limit + 1,
        }),
      );
      return pageOf(
        rows.map((row) => JSON.parse(row.record) as InferenceRecord),
        query.limit,
      );
    },
    async close() {
      database.close();
    },
  };
}

/** Files written before claims named their process get the column on first open. */
function addClaimProcessColumn(database: Database.Database): void {
  const columns = database.pragma('table_info(claims)') as { name: string }[];
  if (!columns.some((column) => column.name === 'process')) {
    database.exec('ALTER TABLE claims ADD COLUMN process TEXT');
  }
}

/** The statements the store runs, prepared once per file. */
function prepareStatements(database: Database.Database) {
  return {
    insert: database.prepare(
      'INSERT INTO records (id, status, created_at, updated_at, record) VALUES (@id, @status, @createdAt, @updatedAt, @record) ON CONFLICT(id) DO NOTHING',
    ),
    replace: database.prepare(
      'UPDATE records SET status = @status, updated_at = @updatedAt, record = @record WHERE id = @id AND updated_at = @replacing',
    ),
    savePatient: database.prepare(
      'INSERT INTO patient_identifiers (record_id, identifiers) VALUES (?, ?) ON CONFLICT(record_id) DO UPDATE SET identifiers = excluded.identifiers',
    ),
    selectPatient: database.prepare<[string], { identifiers: string }>(
      'SELECT identifiers FROM patient_identifiers WHERE record_id = ?',
    ),
    selectOne: database.prepare<[string], { record: string }>('SELECT record FROM records WHERE id = ?'),
    selectAll: database.prepare<[number], { record: string }>(
      'SELECT record FROM records ORDER BY created_at DESC, id LIMIT ?',
    ),
    selectByStatus: database.prepare<[string, number], { record: string }>(
      'SELECT record FROM records WHERE status = ? ORDER BY created_at DESC, id LIMIT ?',
    ),
    selectPage: database.prepare<Record<string, string | number | null>, { record: string }>(
      `SELECT record FROM records WHERE
         (@status IS NULL OR status = @status)
         AND (@verdict IS NULL OR json_extract(record, '$.assessment.verdict') = @verdict)
         AND (@review IS NULL OR coalesce(json_extract(record, '$.review.state'), 'preliminary') = @review)
         AND (@prefix IS NULL OR substr(id, 1, length(@prefix)) = @prefix)
         AND (@afterTime IS NULL OR created_at < @afterTime OR (created_at = @afterTime AND id > @afterId))
       ORDER BY created_at DESC, id LIMIT @limit`,
    ),
    // Takes the claim when it is free or expired; a live claim of another owner stays, unless it is
    // the one named to take over (its process is gone).
    takeClaim: database.prepare(
      `INSERT INTO claims (record_id, owner, expires_at, process) VALUES (@id, @owner, @expiresAt, @process)
       ON CONFLICT(record_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
         process = excluded.process
       WHERE claims.expires_at < @now OR claims.owner = excluded.owner OR claims.owner = @takeOverFrom`,
    ),
    selectClaim: database.prepare<[string], { owner: string; expires_at: number; process: string | null }>(
      'SELECT owner, expires_at, process FROM claims WHERE record_id = ?',
    ),
    dropClaim: database.prepare('DELETE FROM claims WHERE record_id = ? AND owner = ?'),
  };
}

/** The store's file, private, in WAL mode, with its tables. */
function openDatabase(path: string): Database.Database {
  // Patient identifiers live in this file: owner only (0600, its folder 0700).
  if (path !== ':memory:') preparePrivateFile(path, dirname(path));
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  // Several CLI processes may share one file: wait for a writer instead of failing at once.
  database.pragma('busy_timeout = 5000');
  database.exec(schema);
  addClaimProcessColumn(database);
  database.exec(outboxSchema);
  return database;
}

/** Runs a statement; SQLite's errors as storage errors, a busy file retriable. */
function guarded<T>(action: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const busy = (error as { code?: string }).code === 'SQLITE_BUSY';
    throw new DependencyError(`SQLite ${action} failed: ${(error as Error).message}`, {
      code: ServiceErrorCode.storageError,
      retriable: busy,
      cause: error,
    });
  }
}
