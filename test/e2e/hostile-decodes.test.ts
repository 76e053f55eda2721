/**
 * Issue 9's done-when for hostile decodes, as outcomes: with a hostile JPEG 2000 DICOM, a
 * 2,647-scan JPEG and (with opj_compress) a 7000 x 7000 JPEG 2000 DICOM uploaded at once, the
 * server answers every /healthz poll while they are refused, and each is refused with
 * IMAGE_TOO_COMPLEX. How fast and with how much memory: bench/hostile-decodes.bench.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/web/serve.js';
import { createDataDir } from '../support/cli.js';
import { hostileUploads } from '../support/hostile-uploads.js';
import { type TestAccess, testAccess } from '../support/web-server.js';

describe('hostile decodes uploaded at once', () => {
  let deps: ComposedDependencies;
  let server: RunningServer;
  let access: TestAccess;

  before(async () => {
    // A short decode deadline keeps the test short; the bench runs with the default.
    const config = loadConfig({
      DDX_DATA_DIR: await createDataDir(),
      DDX_LOG_LEVEL: 'silent',
      DDX_DECODE_TIMEOUT_MS: '3000',
    });
    deps = await composeDependencies(config);
    access = await testAccess(config);
    server = await access.start(deps, { inputPrefix: config.inputPrefix, port: 0 });
  });
  after(async () => {
    await server?.close();
    await deps?.close();
    await access?.close();
  });

  it('refuses each with IMAGE_TOO_COMPLEX while /healthz answers every poll', async () => {
    const uploads = hostileUploads();
    const polls: number[] = [];
    let uploading = true;
    const polling = (async () => {
      while (uploading) {
        // A generous client timeout: a poll the event loop could not answer fails the test.
        const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        polls.push(response.status);
        await response.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const answers = await Promise.all(
      uploads.map(async (upload) => {
        const response = await fetch(
          `${server.url}/v1/uploads?key=${encodeURIComponent(`uploads/hostile/${upload.name}`)}`,
          {
            method: 'POST',
            body: upload.bytes,
            headers: { ...access.admin, 'content-type': upload.contentType },
          },
        );
        const body = (await response.json()) as {
          error?: { code: string; message: string; retriable: boolean };
        };
        return { name: upload.name, status: response.status, error: body.error };
      }),
    );
    uploading = false;
    await polling;

    for (const answer of answers) {
      assert.equal(answer.status, 422, `${answer.name}: ${JSON.stringify(answer.error)}`);
      assert.equal(answer.error?.code, 'IMAGE_TOO_COMPLEX', answer.name);
      assert.equal(answer.error?.retriable, false);
    }
    assert.match(answers[0]?.error?.message ?? '', /16 components/);
    assert.match(answers[1]?.error?.message ?? '', /more than 100 scans/);
    if (answers[2])
      assert.match(answers[2].error?.message ?? '', /within its 3000 ms budget|MB memory budget/);
    assert.ok(polls.length >= 3, `${polls.length} polls`);
    assert.deepEqual(new Set(polls), new Set([200]), 'every /healthz poll answered 200');
  });
});
