/**
 * Twelve uploads to one key at once, each with its own image and age, through the upload function
 * the HTTP server and the CLI use (uploads/store-upload.ts) and the local folder store (issue 9,
 * item 1): every upload is a version of its own with a record of its own, and every record's
 * `inputSha256` and context are its own upload's. Before image and sidecar were one unit, every
 * answer paired one upload's image with another's metadata.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalFolderBlobStore } from '../../src/adapters/blob-store/local-folder.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import type { BlobStore } from '../../src/ports.js';
import { storeUpload } from '../../src/uploads/store-upload.js';
import { createPipelineFixture, sampleJpeg } from '../support/pipeline-fixture.js';

const key = 'uploads/http/one-key.jpg';
const uploads = 12;

describe('concurrent uploads to one key (local folder)', () => {
  let root: string;
  let blobStore: BlobStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ddx-concurrent-'));
    blobStore = createLocalFolderBlobStore({ root });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('gives every upload its own version and its own record, true to its image and age', async () => {
    const { deps } = createPipelineFixture({ blobStore });
    const images = await Promise.all(
      Array.from({ length: uploads }, (_, index) => sampleJpeg(100 + index, 90)),
    );
    const outcomes = await Promise.all(
      images.map(async (image, index) => {
        const age = 30 + index;
        const metadata = Buffer.from(JSON.stringify({ extent: 'localized', bodySite: 'back', age }));
        // As the HTTP handler does: store, then run the job on the version stored.
        const version = await storeUpload(blobStore, { key, image, metadata, contentType: 'image/jpeg' });
        const { record } = await runInference(
          { source: { key, ...version }, requestId: `upload-${index}`, trigger: 'http' },
          deps,
        );
        return { record, age, sha256: createHash('sha256').update(image).digest('hex') };
      }),
    );
    assert.equal(new Set(outcomes.map(({ record }) => record.id)).size, uploads);
    for (const { record, age, sha256 } of outcomes) {
      assert.equal(record.status, 'succeeded');
      assert.equal(record.inputSha256, sha256);
      assert.equal(record.context?.age, String(age));
    }
  });

  it('reads a bare key as one version: the head and the bytes of the same upload', async () => {
    const { deps } = createPipelineFixture({ blobStore });
    const images = await Promise.all([200, 210, 220].map((width) => sampleJpeg(width, 90)));
    const ages = new Map(
      images.map((image, index) => [createHash('sha256').update(image).digest('hex'), 50 + index]),
    );
    // Uploads keep landing while bare-key jobs run: each job must see one upload, not a mix.
    const writing = Promise.all(
      images.map((image, index) =>
        storeUpload(blobStore, {
          key: 'uploads/http/bare.jpg',
          image,
          metadata: Buffer.from(JSON.stringify({ extent: 'localized', age: 50 + index })),
          contentType: 'image/jpeg',
        }),
      ),
    );
    await storeUpload(blobStore, {
      key: 'uploads/http/bare.jpg',
      image: images[0] as Buffer,
      metadata: Buffer.from(JSON.stringify({ extent: 'localized', age: 50 })),
      contentType: 'image/jpeg',
    });
    // One after another: two jobs on one version at once would find each other's claim.
    const records = [];
    for (const index of [0, 1, 2]) {
      const { record } = await runInference(
        { source: { key: 'uploads/http/bare.jpg' }, requestId: `bare-${index}`, trigger: 'cli' },
        deps,
      );
      records.push(record);
    }
    await writing;
    for (const record of records) {
      assert.equal(record.status, 'succeeded');
      assert.equal(record.context?.age, String(ages.get(record.inputSha256 ?? '')));
    }
  });
});
