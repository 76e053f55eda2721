/**
 * Crash recovery (issue 9, item 5): after `kill -9` of a run, the rerun used to exit with "being
 * processed by another run" until the lease ran out (minutes). A local claim now names its
 * process (pid, host, start time): a live holder is reported with its pid and when its lease
 * ends, and the claim of a process that is gone is taken over at once. The holder here is a real
 * child process, killed with SIGKILL.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalFolderBlobStore } from '../../src/adapters/blob-store/local-folder.js';
import { createSqliteResultStore } from '../../src/adapters/result-store/sqlite.js';
import { packageRoot } from '../../src/config.js';
import { InProgressError } from '../../src/errors.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import type { BlobStore, ObjectVersion, ResultStore } from '../../src/ports.js';
import { recordIdFor } from '../../src/record.js';
import { storeUpload } from '../../src/uploads/store-upload.js';
import { createPipelineFixture, sampleJpeg } from '../support/pipeline-fixture.js';

const key = 'uploads/crash/lesion.jpg';
const leaseMs = 10 * 60_000;

describe('a claim whose process was killed with SIGKILL', () => {
  let dataDir: string;
  let blobStore: BlobStore;
  let resultStore: ResultStore;
  let version: ObjectVersion;
  let child: ChildProcess | undefined;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ddx-crash-'));
    blobStore = createLocalFolderBlobStore({ root: join(dataDir, 'blobs') });
    resultStore = createSqliteResultStore({ path: join(dataDir, 'results.db') });
    version = await storeUpload(blobStore, {
      key,
      image: await sampleJpeg(),
      metadata: Buffer.from('{"extent": "localized", "bodySite": "back"}'),
      contentType: 'image/jpeg',
    });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await resultStore.close?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  const job = (requestId: string) => ({ source: { key, ...version }, requestId, trigger: 'cli' as const });

  it('reports a live holder by pid and lease end, then takes over at once once it is killed', async () => {
    const { deps } = createPipelineFixture({ blobStore, resultStore });
    const recordId = recordIdFor({ bucket: blobStore.bucket, key, ...version });
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/fixtures/processes/claim-and-hang.ts',
        join(dataDir, 'results.db'),
        recordId,
        String(leaseMs),
      ],
      { cwd: packageRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = holder;
    const [line] = (await once(holder.stdout ?? holder, 'data')) as [Buffer];
    assert.equal(line.toString().trim(), 'claimed');

    // Alive: refused, and told who holds it and until when.
    const refused = await runInference(job('while-alive'), deps).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused instanceof InProgressError, 'a live holder keeps its claim');
    const stored = await resultStore.claimHolder?.(recordId);
    assert.ok(stored);
    const until = new Date(stored.expiresAt).toISOString().slice(11, 19);
    assert.match(
      refused.message,
      new RegExp(`being processed by pid ${holder.pid} on \\S+ until ${until} UTC`),
    );
    assert.ok(stored.expiresAt - Date.now() > leaseMs / 2, 'the lease has minutes left');

    holder.kill('SIGKILL');
    await once(holder, 'exit');
    child = undefined;

    // Gone: the rerun takes the claim over now, minutes before the lease would end.
    const { record, reused } = await runInference(job('after-kill'), deps);
    assert.deepEqual([record.id, record.status, reused], [recordId, 'succeeded', false]);
    // The claim is the rerun's now (a final record keeps it until its lease ends: record-session.ts).
    const after = await resultStore.claimHolder?.(recordId);
    assert.ok(
      after === undefined || after.process?.pid === process.pid,
      'the dead holder no longer holds it',
    );
    assert.equal((await resultStore.get(recordId))?.status, 'succeeded');
  });
});
