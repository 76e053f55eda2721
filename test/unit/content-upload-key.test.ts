/**
 * The CLI's upload keys: derived from the image and its metadata, so a changed sidecar is a new
 * upload (and a new record) and same-named files from different folders never collide.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordIdFor } from '../../src/record.js';
import { contentUploadKey } from '../../src/uploads/content-upload-key.js';
import { outOfScopeReason } from '../../src/uploads/key-scope.js';

const image = Buffer.from('the image bytes');
const metadata = Buffer.from('{"extent":"localized"}');
const key = (content: { image: Uint8Array; metadata: Uint8Array }, name = 'photo.jpg') =>
  contentUploadKey('uploads/', name, content);

describe('contentUploadKey', () => {
  it('is an upload under the input prefix that keeps the file name', () => {
    const stored = key({ image, metadata });
    assert.match(stored, /^uploads\/cli\/[0-9a-f]{16}\/photo\.jpg$/);
    assert.equal(outOfScopeReason(stored, { inputPrefix: 'uploads/', derivedPrefix: 'derived/' }), undefined);
    assert.match(key({ image, metadata }, 'series/IM0001'), /\/series\/IM0001$/);
  });

  it('is the same for the same image and metadata: a rerun is answered from its record', () => {
    assert.equal(
      key({ image, metadata }),
      key({ image: Buffer.from(image), metadata: Buffer.from(metadata) }),
    );
  });

  it('changes with the metadata alone, and so does the record id', () => {
    const fixed = Buffer.from('{"extent":"widespread"}');
    assert.notEqual(key({ image, metadata }), key({ image, metadata: fixed }));
    const recordOf = (content: { image: Uint8Array; metadata: Uint8Array }) =>
      recordIdFor({ bucket: 'local', key: key(content), etag: '"same-image"' });
    assert.notEqual(recordOf({ image, metadata }), recordOf({ image, metadata: fixed }));
  });

  it('keeps two different images of the same name apart', () => {
    assert.notEqual(key({ image, metadata }), key({ image: Buffer.from('another photo'), metadata }));
  });

  it('does not mistake one split of the bytes for another', () => {
    const joined = key({ image: Buffer.from('ab'), metadata: Buffer.from('c') });
    assert.notEqual(joined, key({ image: Buffer.from('a'), metadata: Buffer.from('bc') }));
  });
});
