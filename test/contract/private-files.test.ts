/**
 * Local data is the owner's only (issue 9 item 4: files were created 0644): the folder store's
 * objects and sidecars 0600 in 0700 folders, the SQLite store (with the patient identifiers) 0600
 * with its WAL files, in a 0700 folder; an older, looser file is tightened when the store opens.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalFolderBlobStore } from '../../src/adapters/blob-store/local-folder.js';
import { createSqliteResultStore } from '../../src/adapters/result-store/sqlite.js';
import { sampleRecord } from '../support/records.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('local data files are private', () => {
  let root: string;
  const previousUmask = process.umask(0o022);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ddx-private-'));
  });
  after(async () => {
    process.umask(previousUmask);
    await rm(root, { recursive: true, force: true });
  });

  it('writes folder-store objects and sidecars 0600 in 0700 folders', async () => {
    const store = createLocalFolderBlobStore({ root: join(root, 'objects') });
    await store.put('uploads/ward/photo.jpg', Buffer.from('image'), {
      contentType: 'image/jpeg',
      metadata: { age: '54' },
      sidecar: Buffer.from('{"age": 54}'),
    });
    // Every folder and file of the store (version folders: local-folder.ts), the root included.
    const entries = readdirSync(join(root, 'objects'), { recursive: true, encoding: 'utf8' });
    const files = entries.filter((entry) => statSync(join(root, 'objects', entry)).isFile());
    assert.ok(files.some((entry) => entry.endsWith('sidecar.json')) && files.length >= 4, files.join(', '));
    assert.equal(modeOf(join(root, 'objects')), 0o700);
    for (const entry of entries) {
      const path = join(root, 'objects', entry);
      assert.equal(modeOf(path), statSync(path).isFile() ? 0o600 : 0o700, entry);
    }
  });

  it('creates the SQLite store 0600 in a 0700 folder, WAL included, and tightens an older file', async () => {
    const path = join(root, 'data', 'ddx.sqlite');
    const store = createSqliteResultStore({ path });
    await store.save(sampleRecord(), { patient: { name: 'Jane Doe' } });
    assert.equal(modeOf(join(root, 'data')), 0o700);
    assert.equal(modeOf(path), 0o600);
    if (existsSync(`${path}-wal`)) assert.equal(modeOf(`${path}-wal`), 0o600);
    await store.close?.();

    const older = join(root, 'older.sqlite');
    writeFileSync(older, '', { mode: 0o644 });
    const reopened = createSqliteResultStore({ path: older });
    assert.equal(modeOf(older), 0o600);
    await reopened.close?.();
  });
});
