import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createS3BlobStore } from '../../src/adapters/blob-store/s3.js';
import type { BlobStore } from '../../src/ports.js';
import { type RunningS3rver, startS3rver } from '../support/s3rver.js';
import { blobStoreContract } from './blob-store.contract.js';

const testPolicy = { attempts: 3, timeoutMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 };

blobStoreContract(
  'S3 (s3rver)',
  async () => {
    const s3 = await startS3rver();
    return {
      store: createS3BlobStore({ bucket: s3.bucket, client: s3.client, policy: testPolicy }),
      cleanup: () => s3.close(),
    };
  },
  { keyEscape: 'S3 keys are opaque strings: nothing can escape a bucket' },
  'replaced',
);

describe('S3 blob store: beyond the contract', () => {
  let s3: RunningS3rver;
  let store: BlobStore;
  before(async () => {
    s3 = await startS3rver();
    store = createS3BlobStore({ bucket: s3.bucket, client: s3.client, policy: testPolicy });
  });
  after(() => s3.close());

  it('names itself and its bucket', () => {
    assert.equal(store.name, 's3');
    assert.equal(store.bucket, s3.bucket);
  });

  it('returns the content type it stored', async () => {
    await store.put('uploads/typed.png', Buffer.from('png'), { contentType: 'image/png' });
    assert.equal((await store.head('uploads/typed.png')).contentType, 'image/png');
  });

  it('round-trips non-ASCII metadata values through RFC 2047 header encoding', async () => {
    await store.put('uploads/umlaut.jpg', Buffer.from('x'), {
      contentType: 'image/jpeg',
      metadata: { notes: 'Läsion am Rücken, seit 3 Wochen', extent: 'localized' },
    });
    const { metadata } = await store.head('uploads/umlaut.jpg');
    assert.equal(metadata.notes, 'Läsion am Rücken, seit 3 Wochen');
    assert.equal(metadata.extent, 'localized');
  });

  it('lets sidecar values win over header values', async () => {
    await store.put('uploads/both.jpg', Buffer.from('x'), {
      contentType: 'image/jpeg',
      metadata: { extent: 'widespread', 'body-site': 'arm' },
    });
    await store.put('uploads/both.jpg.meta.json', Buffer.from('{"extent":"localized"}'), {
      contentType: 'application/json',
    });
    assert.deepEqual((await store.head('uploads/both.jpg')).metadata, {
      extent: 'localized',
      'body-site': 'arm',
    });
  });

  it('skips the sidecar when told to', async () => {
    const withoutSidecar = createS3BlobStore({ bucket: s3.bucket, client: s3.client, readSidecar: false });
    await store.put('uploads/no-sidecar.jpg', Buffer.from('x'), { contentType: 'image/jpeg' });
    await store.put('uploads/no-sidecar.jpg.meta.json', Buffer.from('{"extent": '), {
      contentType: 'application/json',
    });
    assert.deepEqual((await withoutSidecar.head('uploads/no-sidecar.jpg')).metadata, {});
  });

  it('reports a sidecar that is a JSON array as invalid metadata', async () => {
    await store.put('uploads/array.jpg', Buffer.from('x'), { contentType: 'image/jpeg' });
    await store.put('uploads/array.jpg.meta.json', Buffer.from('[1,2]'), { contentType: 'application/json' });
    await assert.rejects(store.head('uploads/array.jpg'), { code: 'INVALID_METADATA' });
  });

  it('reports a missing bucket as a storage error, not a missing object', async () => {
    const elsewhere = createS3BlobStore({ bucket: 'no-such-bucket', client: s3.client, policy: testPolicy });
    await assert.rejects(elsewhere.get('uploads/a.jpg', { maxBytes: 10 }), {
      code: 'STORAGE_ERROR',
      retriable: false,
    });
  });
});
