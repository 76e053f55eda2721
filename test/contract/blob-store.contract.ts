/**
 * The BlobStore contract: every adapter (local folder, in-memory, and later S3) runs these cases.
 * An adapter lists the cases it skips and why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DdxError } from '../../src/errors.js';
import type { BlobStore } from '../../src/ports.js';
import { maxMetadataSidecarBytes, metadataSidecarKey } from '../../src/uploads/metadata-sidecar.js';

export interface BlobStoreFixture {
  store: BlobStore;
  cleanup?: () => Promise<void>;
}

export function blobStoreContract(
  adapterName: string,
  create: () => Promise<BlobStoreFixture>,
  skip: Partial<Record<'keyEscape', string>> = {},
  /** Whether an older version stays readable (local folder, versioned buckets) or is OBJECT_CHANGED. */
  versions: 'kept' | 'replaced' = 'kept',
): void {
  describe(`BlobStore contract: ${adapterName}`, () => {
    let fixture: BlobStoreFixture;
    before(async () => {
      fixture = await create();
    });
    after(async () => {
      await fixture.cleanup?.();
    });

    const rejectsWith = async (work: Promise<unknown>, code: string) => {
      await assert.rejects(work, (error: unknown) => error instanceof DdxError && error.code === code);
    };

    it('returns the bytes it stored, with size and an ETag', async () => {
      const body = Buffer.from('first object');
      await fixture.store.put('uploads/a.jpg', body, { contentType: 'image/jpeg' });
      assert.deepEqual(Buffer.from(await fixture.store.get('uploads/a.jpg', { maxBytes: 1000 })), body);
      const head = await fixture.store.head('uploads/a.jpg');
      assert.equal(head.size, body.length);
      assert.match(head.etag ?? '', /\S/);
    });

    it('gives the same content the same ETag and new content a new one', async () => {
      await fixture.store.put('uploads/same-1.jpg', Buffer.from('same'), { contentType: 'image/jpeg' });
      await fixture.store.put('uploads/same-2.jpg', Buffer.from('same'), { contentType: 'image/jpeg' });
      const first = await fixture.store.head('uploads/same-1.jpg');
      assert.equal(first.etag, (await fixture.store.head('uploads/same-2.jpg')).etag);
      await fixture.store.put('uploads/same-1.jpg', Buffer.from('changed'), { contentType: 'image/jpeg' });
      assert.notEqual((await fixture.store.head('uploads/same-1.jpg')).etag, first.etag);
    });

    it('reads clinical metadata from the JSON sidecar object', async () => {
      await fixture.store.put('uploads/meta.jpg', Buffer.from('image'), { contentType: 'image/jpeg' });
      const metadata = { extent: 'localized', age: 54, notes: 'Ünïcode nötes' };
      await fixture.store.put(metadataSidecarKey('uploads/meta.jpg'), Buffer.from(JSON.stringify(metadata)), {
        contentType: 'application/json',
      });
      assert.deepEqual((await fixture.store.head('uploads/meta.jpg')).metadata, metadata);
    });

    it('reports a malformed sidecar as invalid metadata', async () => {
      await fixture.store.put('uploads/bad-meta.jpg', Buffer.from('image'), { contentType: 'image/jpeg' });
      await fixture.store.put(metadataSidecarKey('uploads/bad-meta.jpg'), Buffer.from('{"extent": '), {
        contentType: 'application/json',
      });
      await rejectsWith(fixture.store.head('uploads/bad-meta.jpg'), 'INVALID_METADATA');
    });

    it('reads a sidecar saved as UTF-8 with a byte-order mark (Windows editors)', async () => {
      await fixture.store.put('uploads/bom-meta.jpg', Buffer.from('image'), { contentType: 'image/jpeg' });
      await fixture.store.put(metadataSidecarKey('uploads/bom-meta.jpg'), Buffer.from('\uFEFF{"age": 54}'), {
        contentType: 'application/json',
      });
      assert.deepEqual((await fixture.store.head('uploads/bom-meta.jpg')).metadata, { age: 54 });
    });

    it('names a UTF-16 sidecar as invalid metadata', async () => {
      await fixture.store.put('uploads/utf16-meta.jpg', Buffer.from('image'), { contentType: 'image/jpeg' });
      const utf16 = Buffer.from('\uFEFF{"age": 54}', 'utf16le');
      await fixture.store.put(metadataSidecarKey('uploads/utf16-meta.jpg'), utf16, {
        contentType: 'application/json',
      });
      await assert.rejects(
        fixture.store.head('uploads/utf16-meta.jpg'),
        (error: unknown) =>
          error instanceof DdxError && error.code === 'INVALID_METADATA' && /UTF-16/.test(error.message),
      );
    });

    it('refuses a sidecar over the size limit as invalid metadata', async () => {
      await fixture.store.put('uploads/huge-meta.jpg', Buffer.from('image'), { contentType: 'image/jpeg' });
      const huge = Buffer.from(JSON.stringify({ age: 54, thumbnail: 'A'.repeat(maxMetadataSidecarBytes) }));
      await fixture.store.put(metadataSidecarKey('uploads/huge-meta.jpg'), huge, {
        contentType: 'application/json',
      });
      await rejectsWith(fixture.store.head('uploads/huge-meta.jpg'), 'INVALID_METADATA');
    });

    it('returns put metadata on head', async () => {
      await fixture.store.put('derived/crops/c.jpg', Buffer.from('crop'), {
        contentType: 'image/jpeg',
        metadata: { 'source-key': 'uploads%2Fa.jpg', 'record-id': 'rec_1' },
      });
      const head = await fixture.store.head('derived/crops/c.jpg');
      assert.equal(head.metadata['record-id'], 'rec_1');
      assert.equal(head.metadata['source-key'], 'uploads%2Fa.jpg');
    });

    it('stores an upload with its sidecar as one version, read back as that version', async () => {
      const key = 'uploads/versions.jpg';
      const first = await fixture.store.put(key, Buffer.from('image one'), {
        contentType: 'image/jpeg',
        sidecar: Buffer.from('{"age": 41}'),
      });
      const second = await fixture.store.put(key, Buffer.from('image two'), {
        contentType: 'image/jpeg',
        sidecar: Buffer.from('{"age": 72}'),
      });
      assert.notEqual(first.etag, second.etag);
      const current = await fixture.store.head(key);
      assert.deepEqual([current.metadata, current.etag], [{ age: 72 }, second.etag]);
      const latest = await fixture.store.head(key, { version: second });
      assert.deepEqual(latest.metadata, { age: 72 });
      assert.equal(
        Buffer.from(await fixture.store.get(key, { maxBytes: 100, version: second })).toString(),
        'image two',
      );
      if (versions === 'kept') {
        assert.deepEqual((await fixture.store.head(key, { version: first })).metadata, { age: 41 });
        assert.equal(
          Buffer.from(await fixture.store.get(key, { maxBytes: 100, version: first })).toString(),
          'image one',
        );
      } else {
        // Never the newer bytes or metadata under the older version.
        await rejectsWith(fixture.store.head(key, { version: first }), 'OBJECT_CHANGED');
        await rejectsWith(fixture.store.get(key, { maxBytes: 100, version: first }), 'OBJECT_CHANGED');
      }
    });

    it('names the version it stored: the same content is the same version', async () => {
      const stored = await fixture.store.put('uploads/named.jpg', Buffer.from('named'), {
        contentType: 'image/jpeg',
        sidecar: Buffer.from('{}'),
      });
      assert.equal((await fixture.store.head('uploads/named.jpg')).etag, stored.etag);
      const again = await fixture.store.put('uploads/named-2.jpg', Buffer.from('named'), {
        contentType: 'image/jpeg',
        sidecar: Buffer.from('{}'),
      });
      assert.equal(again.etag, stored.etag);
    });

    it('reports a missing object as OBJECT_NOT_FOUND', async () => {
      await rejectsWith(fixture.store.head('uploads/missing.jpg'), 'OBJECT_NOT_FOUND');
      await rejectsWith(fixture.store.get('uploads/missing.jpg', { maxBytes: 10 }), 'OBJECT_NOT_FOUND');
    });

    it('refuses to read an object over the size cap', async () => {
      await fixture.store.put('uploads/big.jpg', Buffer.alloc(2048), { contentType: 'image/jpeg' });
      await rejectsWith(fixture.store.get('uploads/big.jpg', { maxBytes: 1024 }), 'OBJECT_TOO_LARGE');
    });

    it('stores keys with spaces and unicode as they are', async () => {
      const key = 'uploads/patient photos/läsion 1 (2).jpg';
      await fixture.store.put(key, Buffer.from('unicode'), { contentType: 'image/jpeg' });
      assert.equal(Buffer.from(await fixture.store.get(key, { maxBytes: 100 })).toString(), 'unicode');
    });

    it('refuses keys that could escape the store', { skip: skip.keyEscape }, async () => {
      for (const key of [
        '../outside.jpg',
        'uploads/../../outside.jpg',
        '/etc/passwd',
        'uploads//a.jpg',
        'a\\b.jpg',
        '',
      ]) {
        await rejectsWith(
          fixture.store.put(key, Buffer.from('x'), { contentType: 'image/jpeg' }),
          'INVALID_EVENT',
        );
        await rejectsWith(fixture.store.head(key), 'INVALID_EVENT');
      }
    });
  });
}
