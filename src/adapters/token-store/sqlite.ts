/**
 * TokenStore on SQLite, in the result store's file: one row per API token, its SHA-256 only.
 */

import type { Role, StoredToken, TokenStore } from '../../ports.js';
import { openSqliteFile, sqliteGuard } from '../shared/sqlite/sqlite-file.js';

const schema = `
  CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
`;

interface TokenRow {
  id: string;
  name: string;
  role: string;
  sha256: string;
  created_at: string;
  revoked_at: string | null;
}

export function createSqliteTokenStore(settings: { path: string }): TokenStore {
  const database = openSqliteFile(settings.path);
  database.exec(schema);
  const insert = database.prepare(
    'INSERT INTO api_tokens (id, name, role, sha256, created_at, revoked_at) VALUES (@id, @name, @role, @sha256, @createdAt, NULL)',
  );
  const selectOne = database.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?');
  const selectAll = database.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id');
  const revoke = database.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const guarded = sqliteGuard('tokens');
  return {
    name: 'sqlite',
    async add(token) {
      guarded('add', () => insert.run(token));
    },
    async get(id) {
      return guarded('get', () => {
        const row = selectOne.get(id);
        return row ? tokenOf(row) : undefined;
      });
    },
    async list() {
      return guarded('list', () => selectAll.all().map(tokenOf));
    },
    async revoke(id, at) {
      return guarded('revoke', () => revoke.run(at, id).changes === 1);
    },
    async close() {
      database.close();
    },
  };
}

function tokenOf(row: TokenRow): StoredToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    sha256: row.sha256,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
