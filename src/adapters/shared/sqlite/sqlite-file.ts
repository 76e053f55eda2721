/**
 * The result store's SQLite file as the stores beside the records open it (API tokens, the audit
 * log): WAL, a busy wait for other writers, and store errors as the pipeline's STORAGE_ERROR
 * (retriable only when the file was busy).
 */
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DependencyError, ServiceErrorCode } from '../../../errors.js';
import { preparePrivateFile } from '../fs/private-files.js';

export function openSqliteFile(path: string): Database.Database {
  // Owner only (0600 in a 0700 folder): the file holds tokens and the audit log.
  if (path !== ':memory:') preparePrivateFile(path, dirname(path));
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  // Several processes share one file (ddx serve, ddx tokens): wait for a writer instead of failing.
  database.pragma('busy_timeout = 5000');
  return database;
}

/** Runs `work`, turning a SQLite failure into a DependencyError naming `area` and the action. */
export function sqliteGuard(area: string) {
  return <T>(action: string, work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw new DependencyError(`SQLite ${area} ${action} failed: ${(error as Error).message}`, {
        code: ServiceErrorCode.storageError,
        retriable: (error as { code?: string }).code === 'SQLITE_BUSY',
        cause: error,
      });
    }
  };
}
